package io.livetune.executor.procfs;

import java.io.IOException;

/**
 * A pidfile holds a pid that, in livetune's PID namespace, is not (or may not be) the process
 * that wrote it: a process in another PID namespace (a container) has that pid there. Never
 * passed over by missing: ignore, and nothing is done to the process the host calls by that pid.
 */
public class PidNamespaceMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    public PidNamespaceMismatchException(String message) {
        super(message);
    }
}
