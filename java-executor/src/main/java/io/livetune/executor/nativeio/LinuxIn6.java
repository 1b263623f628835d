package io.livetune.executor.nativeio;

/** The IPv6 level's options, from include/uapi/linux/in6.h. */
public final class LinuxIn6 {
    public static final int IPV6_UNICAST_HOPS = 16;
    public static final int IPV6_TCLASS = 67;

    private LinuxIn6() {
    }
}
