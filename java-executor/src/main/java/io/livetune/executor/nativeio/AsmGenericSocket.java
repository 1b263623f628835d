package io.livetune.executor.nativeio;

/**
 * The socket level and its options, from include/uapi/asm-generic/socket.h: the values of
 * x86_64 and aarch64 (alpha, mips, parisc and sparc have their own, and livetune runs on none).
 */
public final class AsmGenericSocket {
    public static final int SOL_SOCKET = 1;

    public static final int SO_REUSEADDR = 2;
    public static final int SO_BROADCAST = 6;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_PRIORITY = 12;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_RCVLOWAT = 18;
    /** SO_RCVTIMEO_OLD: a struct timeval of the machine's long size (64-bit here). */
    public static final int SO_RCVTIMEO = 20;
    /** SO_SNDTIMEO_OLD, like {@link #SO_RCVTIMEO}. */
    public static final int SO_SNDTIMEO = 21;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_MARK = 36;
    public static final int SO_BUSY_POLL = 46;

    private AsmGenericSocket() {
    }
}
