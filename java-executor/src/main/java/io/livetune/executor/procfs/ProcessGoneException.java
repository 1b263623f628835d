package io.livetune.executor.procfs;

import java.io.IOException;

/** The process exited (or never existed) while livetune was reading or changing it. */
public class ProcessGoneException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int pid;

    public ProcessGoneException(int pid) {
        super("process " + pid + " does not exist (it exited, or never did)");
        this.pid = pid;
    }

    public int pid() {
        return pid;
    }
}
