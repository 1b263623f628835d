package io.livetune.executor.nativeio;

/** The errno values livetune reacts to. Linux uses the same numbers on x86_64 and aarch64. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOSYS = 38;
    public static final int ENOTSOCK = 88;
    public static final int ENOPROTOOPT = 92;
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }

    static String name(int errno) {
        switch (errno) {
            case EPERM: return "EPERM";
            case ENOENT: return "ENOENT";
            case ESRCH: return "ESRCH";
            case EBADF: return "EBADF";
            case ENOMEM: return "ENOMEM";
            case EACCES: return "EACCES";
            case EINVAL: return "EINVAL";
            case EMFILE: return "EMFILE";
            case ENOSYS: return "ENOSYS";
            case ENOTSOCK: return "ENOTSOCK";
            case ENOPROTOOPT: return "ENOPROTOOPT";
            case EOPNOTSUPP: return "EOPNOTSUPP";
            default: return "errno " + errno;
        }
    }
}
