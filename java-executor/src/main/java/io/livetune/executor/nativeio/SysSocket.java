package io.livetune.executor.nativeio;

/**
 * Address families and socket types of socket(2), as userspace's sys/socket.h has them (the
 * kernel's include/linux/socket.h and include/linux/net.h): the same on x86_64 and aarch64.
 */
public final class SysSocket {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;

    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    /** O_CLOEXEC, or-ed into the type. */
    public static final int SOCK_CLOEXEC = 02000000;

    private SysSocket() {
    }
}
