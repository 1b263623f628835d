package io.livetune.executor.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/**
 * libc through JNA direct mapping: the fastest JNA binding, which matters when one task
 * touches ten thousand sockets. Nothing outside this package sees JNA.
 */
final class JnaLinuxSyscalls implements LinuxSyscalls {
    static final JnaLinuxSyscalls INSTANCE = new JnaLinuxSyscalls();

    // The generic syscall table gives these numbers to every architecture (x86_64 and aarch64 alike).
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;

    /** The raw libc symbols; the outer class turns their errno into {@link ErrnoException}. */
    private static final class Libc {
        static {
            Native.register(Libc.class, ProcessLibc.get());
        }

        /** Does nothing; calling it initialises the class, which binds the functions below. */
        static void bind() {
        }

        // glibc's syscall() reads six register arguments whatever we pass, so a fixed arity is safe.
        static native long syscall(long number, long a1, long a2, long a3) throws LastErrorException;

        static native long syscall(long number, long a1, byte[] a2, long a3) throws LastErrorException;

        static native long syscall(long number, long a1, long a2, long a3, long a4, long a5)
                throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native int getpid();

        static native int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen)
                throws LastErrorException;

        static native int setsockopt(int fd, int level, int optname, byte[] optval, int optlen)
                throws LastErrorException;

        static native int listen(int fd, int backlog) throws LastErrorException;

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native int setns(int fd, int nstype) throws LastErrorException;

        static native long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

        static native long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

        static native int open(String path, int flags) throws LastErrorException;

        static native String strerror(int errnum);
    }

    private final Architecture architecture = Architecture.current();
    private final long kcmp = architecture.syscall("kcmp");
    /**
     * Our pid as kcmp takes it (in our own pid namespace), asked of the kernel at the first
     * kcmp; 0 until then. Not ProcessHandle.current(): its class links the JDK's lambda forms
     * (~5 ms), and this object is made on a task's start-up path.
     */
    private volatile long ownPid;

    /** The thread binding libc ahead of the first call, while one is under way. */
    private static Thread binding;
    /** What binding libc threw on that thread, rethrown by the first call as if thrown there. */
    private static Throwable bindingFailure;

    /**
     * Loads JNA and binds libc on a thread of its own (~20 ms of a task's start-up), while the
     * caller goes on with its arguments and schema. The first system call waits for it.
     */
    static synchronized void bindInBackground() {
        if (binding == null && bindingFailure == null && !bound) {
            binding = new Thread(new Binder(), "livetune-jna");
            binding.setDaemon(true);
            binding.start();
        }
    }

    private static volatile boolean bound;

    private static final class Binder implements Runnable {
        @Override
        public void run() {
            try {
                Libc.bind();
            } catch (Throwable e) { // the first call reports it, as it would have met it itself
                synchronized (JnaLinuxSyscalls.class) {
                    bindingFailure = e;
                }
            }
        }
    }

    /** Waits for a binding under way; its failure is thrown here, once, like the call's own. */
    private static void awaitBinding() {
        if (bound) {
            return;
        }
        Thread thread;
        synchronized (JnaLinuxSyscalls.class) {
            thread = binding;
        }
        if (thread != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable failure;
        synchronized (JnaLinuxSyscalls.class) {
            binding = null;
            failure = bindingFailure;
            bindingFailure = null;
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure == null) {
            Libc.bind(); // on this thread when nothing bound it before
            bound = true;
        }
    }

    private JnaLinuxSyscalls() {
    }

    private static ErrnoException failure(String call, LastErrorException e) {
        return new ErrnoException(call, e.getErrorCode(), Libc.strerror(e.getErrorCode()));
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        awaitBinding();
        try {
            return (int) Libc.syscall(Architecture.PIDFD_OPEN, pid, 0, 0);
        } catch (LastErrorException e) {
            throw failure("pidfd_open(" + pid + ")", e);
        }
    }

    @Override
    public int pidfdGetfd(int pidfd, int targetFd) throws ErrnoException {
        awaitBinding();
        try {
            return (int) Libc.syscall(Architecture.PIDFD_GETFD, pidfd, targetFd, 0);
        } catch (LastErrorException e) {
            throw failure("pidfd_getfd(fd " + targetFd + ")", e);
        }
    }

    @Override
    public long socketInode(int fd) throws ErrnoException {
        awaitBinding();
        byte[] stat = new byte[Architecture.STAT_SIZE];
        try {
            Libc.syscall(architecture.syscall("fstat"), fd, stat, 0);
        } catch (LastErrorException e) {
            throw failure("fstat", e);
        }
        return socketInodeOf(stat);
    }

    static long socketInodeOf(byte[] stat) {
        Architecture architecture = INSTANCE.architecture;
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(stat).order(java.nio.ByteOrder.nativeOrder());
        if ((buffer.getInt(architecture.modeOffset) & S_IFMT) != S_IFSOCK) {
            return -1;
        }
        return buffer.getLong(architecture.inodeOffset);
    }

    @Override
    public boolean sameFile(int ownFd, int pid, int targetFd) throws ErrnoException {
        awaitBinding();
        try {
            // 0: the same file; 1 and 2 order two different ones; 3: different, not ordered
            return Libc.syscall(kcmp, ownPid(), pid, LinuxKcmp.KCMP_FILE, ownFd, targetFd) == 0;
        } catch (LastErrorException e) {
            throw failure("kcmp(KCMP_FILE, fd " + targetFd + ")", e);
        }
    }

    private long ownPid() {
        long pid = ownPid;
        if (pid == 0) {
            pid = Libc.getpid(); // getpid(2) cannot fail
            ownPid = pid;
        }
        return pid;
    }

    @Override
    public void close(int fd) {
        awaitBinding();
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // Nothing to recover: the descriptor is gone either way.
        }
    }

    @Override
    public byte[] getsockopt(int fd, int level, int optname, int maxLength) throws ErrnoException {
        awaitBinding();
        byte[] buffer = new byte[maxLength];
        int[] length = {maxLength};
        try {
            Libc.getsockopt(fd, level, optname, buffer, length);
        } catch (LastErrorException e) {
            throw failure("getsockopt(level " + level + ", optname " + optname + ")", e);
        }
        return length[0] == maxLength ? buffer : java.util.Arrays.copyOf(buffer, length[0]);
    }

    @Override
    public void setsockopt(int fd, int level, int optname, byte[] value) throws ErrnoException {
        awaitBinding();
        try {
            Libc.setsockopt(fd, level, optname, value, value.length);
        } catch (LastErrorException e) {
            throw failure("setsockopt(level " + level + ", optname " + optname + ")", e);
        }
    }

    @Override
    public void listen(int fd, int backlog) throws ErrnoException {
        awaitBinding();
        try {
            Libc.listen(fd, backlog);
        } catch (LastErrorException e) {
            throw failure("listen(backlog " + backlog + ")", e);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        awaitBinding();
        try {
            return Libc.socket(domain, type, protocol);
        } catch (LastErrorException e) {
            throw failure("socket", e);
        }
    }

    @Override
    public void send(int fd, byte[] message) throws ErrnoException {
        awaitBinding();
        try {
            Libc.send(fd, message, message.length, 0);
        } catch (LastErrorException e) {
            throw failure("send", e);
        }
    }

    @Override
    public int receive(int fd, byte[] buffer) throws ErrnoException {
        awaitBinding();
        try {
            return (int) Libc.recv(fd, buffer, buffer.length, 0);
        } catch (LastErrorException e) {
            throw failure("recv", e);
        }
    }

    @Override
    public int openReadOnly(String path) throws ErrnoException {
        awaitBinding();
        try {
            return Libc.open(path, O_RDONLY | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw failure("open(" + path + ")", e);
        }
    }

    @Override
    public void setns(int fd, int nstype) throws ErrnoException {
        awaitBinding();
        try {
            Libc.setns(fd, nstype);
        } catch (LastErrorException e) {
            throw failure("setns", e);
        }
    }
}
