package io.livetune.executor.nativeio;

/**
 * The system calls livetune needs, as plain Java. This interface and {@link ErrnoException}
 * are all the rest of the executor sees of native code: the JNA binding behind it is
 * package-private, so everything above this layer can be read and tested as ordinary Java.
 *
 * <p>Every method throws {@link ErrnoException} naming the call and the kernel's errno.
 * Integers are in the machine's native byte order, as the kernel reads and writes them.
 */
public interface LinuxSyscalls {

    /** pidfd_open(2): a descriptor that refers to exactly this process, immune to pid reuse. */
    int pidfdOpen(int pid) throws ErrnoException;

    /** pidfd_getfd(2): duplicates descriptor {@code targetFd} of the process behind {@code pidfd} into ours. */
    int pidfdGetfd(int pidfd, int targetFd) throws ErrnoException;

    /**
     * fstat(2) of one of our descriptors: its inode when it is a socket, -1 when it is not.
     * (The inode is what /proc/PID/net/* lists a socket by.)
     */
    long socketInode(int fd) throws ErrnoException;

    /**
     * kcmp(2) {@code KCMP_FILE}: whether our descriptor {@code ownFd} and descriptor
     * {@code targetFd} of process {@code pid} refer to the same open file (for a socket, which
     * has exactly one: the same socket). One call where a second pidfd_getfd, fstat and close
     * would be three.
     *
     * @throws ErrnoException EBADF: {@code targetFd} is not open; ESRCH: no such process;
     *                        ENOSYS (a kernel without CONFIG_KCMP) or EPERM (no ptrace read
     *                        access, or a seccomp policy): the caller checks another way
     */
    boolean sameFile(int ownFd, int pid, int targetFd) throws ErrnoException;

    /** close(2); errors are ignored because there is nothing useful to do about them. */
    void close(int fd);

    /** getsockopt(2); returns the bytes the kernel wrote (at most {@code maxLength}). */
    byte[] getsockopt(int fd, int level, int optname, int maxLength) throws ErrnoException;

    /** setsockopt(2). */
    void setsockopt(int fd, int level, int optname, byte[] value) throws ErrnoException;

    /** listen(2): on a socket that already listens, this only changes its backlog. */
    void listen(int fd, int backlog) throws ErrnoException;

    /** socket(2). */
    int socket(int domain, int type, int protocol) throws ErrnoException;

    /** send(2) of one whole message (a netlink request: the kernel takes it whole or not at all). */
    void send(int fd, byte[] message) throws ErrnoException;

    /** recv(2) into {@code buffer}; returns the bytes received (one netlink datagram at most). */
    int receive(int fd, byte[] buffer) throws ErrnoException;

    /** open(2) read-only with O_CLOEXEC, for namespace files that must be passed to setns. */
    int openReadOnly(String path) throws ErrnoException;

    /** setns(2) for the calling thread only. */
    void setns(int fd, int nstype) throws ErrnoException;

    /**
     * The inode in a struct stat filled by fstat (ours or a target's), when it describes a
     * socket; -1 otherwise. The layout is this machine's.
     */
    static long socketInodeOf(byte[] stat) {
        return JnaLinuxSyscalls.socketInodeOf(stat);
    }

    /** Bytes enough for a struct stat on every supported architecture. */
    int STAT_SIZE = Architecture.STAT_SIZE;

    /**
     * Starts loading the native binding on a thread of its own, so that it overlaps the
     * caller's other start-up work; the first system call waits for it (and reports its
     * failure, if any, as its own).
     */
    static void prepareInBackground() {
        JnaLinuxSyscalls.bindInBackground();
    }

    /** The implementation for this machine, loaded once. */
    static LinuxSyscalls get() {
        return JnaLinuxSyscalls.INSTANCE;
    }
}
