package io.livetune.executor.nativeio;

/** Protocol numbers and the IPv4 level's options, from include/uapi/linux/in.h. */
public final class LinuxIn {
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;

    public static final int IP_TOS = 1;
    public static final int IP_TTL = 2;

    private LinuxIn() {
    }
}
