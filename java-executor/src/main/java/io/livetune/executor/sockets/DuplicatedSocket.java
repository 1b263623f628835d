package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.Errno;
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
     * @throws SocketGoneException when that descriptor is closed or no longer holds socket {@code inode}
     * @throws ErrnoException      for anything else (ESRCH: the process exited; EPERM...)
     */
    public static DuplicatedSocket open(LinuxSyscalls sys, int pidfd, int targetFd, long inode)
            throws ErrnoException, SocketGoneException {
        int fd;
        try {
            fd = sys.pidfdGetfd(pidfd, targetFd);
        } catch (ErrnoException e) {
            if (e.is(Errno.EBADF)) {
                throw new SocketGoneException(targetFd, inode, SocketGoneException.NO_SOCKET);
            }
            throw e;
        }
        long actual;
        try {
            actual = sys.socketInode(fd);
        } catch (ErrnoException e) {
            sys.close(fd);
            throw e;
        }
        if (actual != inode) {
            sys.close(fd);
            throw new SocketGoneException(targetFd, inode, actual);
        }
        return new DuplicatedSocket(sys, fd);
    }

    /**
     * Whether the process behind {@code pidfd} still holds socket {@code inode} at
     * {@code targetFd}: null if it does, otherwise what it holds instead.
     */
    public static SocketGoneException stillHeld(LinuxSyscalls sys, int pidfd, int targetFd, long inode)
            throws ErrnoException {
        try {
            open(sys, pidfd, targetFd, inode).close();
            return null;
        } catch (SocketGoneException e) {
            return e;
        }
    }

    /**
     * Whether process {@code pid} holds this very socket at {@code targetFd} (kcmp(2): one
     * socket has one open file, so the same file is the same socket).
     *
     * @throws ErrnoException EBADF when {@code targetFd} is closed; ENOSYS or EPERM where the
     *                        kernel does not answer kcmp (then {@link #stillHeld} tells)
     */
    public boolean heldBy(int pid, int targetFd) throws ErrnoException {
        return sys.sameFile(fd, pid, targetFd);
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
    public AccessMethod method() {
        return AccessMethod.PIDFD;
    }

    @Override
    public void close() {
        sys.close(fd);
    }
}
