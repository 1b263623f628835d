package io.livetune.executor.inject;

import io.livetune.executor.nativeio.ErrnoException;

/**
 * The result of an injected call: Linux returns -errno in [-4095, -1]. The texts are
 * glibc's strerror for the errors the injected calls report (the target's errno, not ours).
 */
public final class RemoteErrno {
    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EINVAL = 22;
    /** Kernel-internal restart codes, seen when a signal interrupted the injected call itself. */
    private static final int ERESTARTSYS = 512;
    private static final int ERESTART_RESTARTBLOCK = 516;

    private RemoteErrno() {
    }

    public static boolean failed(long result) {
        return result < 0 && result >= -4095;
    }

    /** The errno of a failed result (restart codes read as EINTR: the injected call is never restarted). */
    public static int errno(long result) {
        int errno = (int) -result;
        return errno >= ERESTARTSYS && errno <= ERESTART_RESTARTBLOCK ? EINTR : errno;
    }

    /** Throws when {@code result} is -errno, naming the call as it ran in the target. */
    public static long check(String call, long result) throws ErrnoException {
        if (failed(result)) {
            throw failure(call, result);
        }
        return result;
    }

    /** The exception for a failed {@code result} (-errno) of {@code call}. */
    public static ErrnoException failure(String call, long result) {
        int errno = errno(result);
        return new ErrnoException(call, errno, text(errno));
    }

    static String text(int errno) {
        switch (errno) {
            case EPERM: return "Operation not permitted";
            case EINTR: return "Interrupted system call";
            case EAGAIN: return "Resource temporarily unavailable";
            case ENOMEM: return "Cannot allocate memory";
            case EINVAL: return "Invalid argument";
            case 9: return "Bad file descriptor";
            case 14: return "Bad address";
            case 24: return "Too many open files";
            case 88: return "Socket operation on non-socket";
            case 92: return "Protocol not available";
            default: return "error " + errno;
        }
    }
}
