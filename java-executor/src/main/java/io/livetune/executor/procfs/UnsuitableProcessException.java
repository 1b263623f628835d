package io.livetune.executor.procfs;

import java.io.IOException;

/**
 * A process named explicitly (pid, pidfile) that livetune never works on: a kernel thread,
 * or the executor itself. Unlike a process that is not running, {@code missing: ignore}
 * does not accept it: the task names the wrong process.
 */
public class UnsuitableProcessException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnsuitableProcessException(String message) {
        super(message);
    }
}
