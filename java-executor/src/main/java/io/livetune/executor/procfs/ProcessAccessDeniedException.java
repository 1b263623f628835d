package io.livetune.executor.procfs;

import java.io.IOException;

/**
 * /proc refused to show what a process holds (its descriptors, its namespace): the caller
 * lacks the ptrace-read right over it, typically not root and not the process's owner.
 */
public class ProcessAccessDeniedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int pid;

    public ProcessAccessDeniedException(int pid, String path) {
        super("permission denied on " + path);
        this.pid = pid;
    }

    public int pid() {
        return pid;
    }
}
