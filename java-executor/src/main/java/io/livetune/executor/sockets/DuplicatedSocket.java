package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;

/**
 * Our duplicate of a target's socket descriptor (pidfd_getfd). Options set on it act on the
 * target's socket itself. It is only handed out after its inode was checked against the
 * socket that was scanned, so a descriptor the target closed and reused in the meantime
 * never gets another socket's option.
 */
public final class DuplicatedSocket implements LiveSocket {
    private final LinuxSyscalls sys;
    private final int fd;

    private DuplicatedSocket(LinuxSyscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    /**
     * Duplicates {@code targetFd} of the process behind {@code pidfd}.
     *
     * @throws SocketReplacedException when that descriptor no longer holds socket {@code inode}
     */
    public static DuplicatedSocket open(LinuxSyscalls sys, int pidfd, int targetFd, long inode)
            throws ErrnoException, SocketReplacedException {
        int fd = sys.pidfdGetfd(pidfd, targetFd);
        long actual;
        try {
            actual = sys.socketInode(fd);
        } catch (ErrnoException e) {
            sys.close(fd);
            throw e;
        }
        if (actual != inode) {
            sys.close(fd);
            throw new SocketReplacedException(targetFd, inode, actual);
        }
        return new DuplicatedSocket(sys, fd);
    }

    /**
     * A fresh socket of our own in the calling thread's network namespace, to learn the
     * kernel's defaults; it is read through the same code as a target's duplicate.
     */
    public static DuplicatedSocket fresh(LinuxSyscalls sys, int domain, int type) throws ErrnoException {
        return new DuplicatedSocket(sys, sys.socket(domain, type, 0));
    }

    @Override
    public byte[] getsockopt(int level, int optname, int maxLength) throws ErrnoException {
        return sys.getsockopt(fd, level, optname, maxLength);
    }

    @Override
    public void setsockopt(int level, int optname, byte[] value) throws ErrnoException {
        sys.setsockopt(fd, level, optname, value);
    }

    @Override
    public void listen(int backlog) throws ErrnoException {
        sys.listen(fd, backlog);
    }

    @Override
    public void close() {
        sys.close(fd);
    }
}
