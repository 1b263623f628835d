package io.livetune.executor.sockets;

/**
 * How livetune reaches a target's sockets: a duplicate through pidfd_getfd (Linux 5.6+, the
 * target never stops), or the calls run inside the target with ptrace (older kernels; one
 * thread stops for an instant per call). AUTO takes the first where the kernel has it.
 */
public enum AccessMethod {
    AUTO, PIDFD, PTRACE;

    /** Opens a socket of a target by running calls inside it (supplied by the inject layer). */
    @FunctionalInterface
    public interface RemoteSockets {
        LiveSocket open(int pid, int fd, long inode);
    }
}
