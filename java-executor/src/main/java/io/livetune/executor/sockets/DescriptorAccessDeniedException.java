package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessInfo;

/**
 * The kernel refused to hand over a process's socket descriptors (pidfd_getfd or ptrace said
 * EPERM/EACCES); carries the process, for the message. Not {@link io.livetune.executor.procfs.ProcessAccessDeniedException},
 * which is /proc refusing to show the process at all.
 */
public class DescriptorAccessDeniedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ProcessInfo process;

    public DescriptorAccessDeniedException(ProcessInfo process, ErrnoException cause) {
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
