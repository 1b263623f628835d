package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessInfo;

/** The kernel refused access to a process's descriptors; carries the process, for the message. */
public class ProcessAccessException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ProcessInfo process;

    public ProcessAccessException(ProcessInfo process, ErrnoException cause) {
        super(cause.getMessage(), cause);
        this.process = process;
    }

    public ProcessInfo process() {
        return process;
    }

    public ErrnoException errno() {
        return (ErrnoException) getCause();
    }
}
