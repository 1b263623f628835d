package io.livetune.executor.procfs;

import java.io.IOException;

/** A pidfile that does not exist or does not hold a process id: no process to work on. */
public class PidfileException extends IOException {
    private static final long serialVersionUID = 1L;

    public PidfileException(String message) {
        super(message);
    }
}
