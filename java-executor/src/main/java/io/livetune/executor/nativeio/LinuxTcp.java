package io.livetune.executor.nativeio;

/** The TCP level's options, from include/uapi/linux/tcp.h. */
public final class LinuxTcp {
    public static final int TCP_NODELAY = 1;
    public static final int TCP_MAXSEG = 2;
    public static final int TCP_KEEPIDLE = 4;
    public static final int TCP_KEEPINTVL = 5;
    public static final int TCP_KEEPCNT = 6;
    public static final int TCP_DEFER_ACCEPT = 9;
    public static final int TCP_WINDOW_CLAMP = 10;
    public static final int TCP_INFO = 11;
    public static final int TCP_CONGESTION = 13;
    public static final int TCP_THIN_LINEAR_TIMEOUTS = 16;
    public static final int TCP_USER_TIMEOUT = 18;
    public static final int TCP_FASTOPEN = 23;
    public static final int TCP_NOTSENT_LOWAT = 25;

    private LinuxTcp() {
    }
}
