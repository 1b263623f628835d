package io.livetune.executor.sockets.diag;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One socket as the kernel's inet_diag describes it: struct inet_diag_msg and the
 * attributes after it (include/uapi/linux/inet_diag.h, filled by inet_sk_diag_fill and
 * inet_diag_msg_attrs_fill in net/ipv4/inet_diag.c).
 *
 * <pre>
 * struct inet_diag_msg {
 *     __u8 idiag_family, idiag_state, idiag_timer, idiag_retrans;     offsets 0-3
 *     struct inet_diag_sockid id;    __be16 sport (4), dport (6), __be32 src[4] (8), dst[4] (24),
 *                                    __u32 if (40), cookie[2] (44)
 *     __u32 idiag_expires (52), idiag_rqueue (56), idiag_wqueue (60), idiag_uid (64), idiag_inode (68);
 * };                                 72 bytes, then struct nlattr { __u16 nla_len, nla_type; } + data
 * </pre>
 */
public final class InetDiagMessage {
    static final int LENGTH = 72;

    // Attribute types (enum in inet_diag.h).
    static final int INET_DIAG_MEMINFO = 1;
    static final int INET_DIAG_INFO = 2;
    static final int INET_DIAG_CONG = 4;
    static final int INET_DIAG_TOS = 5;
    static final int INET_DIAG_TCLASS = 6;
    static final int INET_DIAG_SKMEMINFO = 7;
    static final int INET_DIAG_SHUTDOWN = 8;
    static final int INET_DIAG_MARK = 15;
    static final int INET_DIAG_CGROUP_ID = 21;
    /** NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field: masked off (NLA_TYPE_MASK). */
    private static final int NLA_TYPE_MASK = 0x3fff;

    // Indexes into the SKMEMINFO array (enum sk_meminfo_vars in sock_diag.h).
    private static final int SK_MEMINFO_RCVBUF = 1;
    private static final int SK_MEMINFO_SNDBUF = 3;

    private final int family;
    private final int state;
    private final int localPort;
    private final int remotePort;
    private final byte[] localAddress;
    private final byte[] remoteAddress;
    private final long receiveQueue;
    private final long sendQueue;
    private final long uid;
    private final long inode;
    private int receiveBuffer = -1;
    private int sendBuffer = -1;
    private Long mark;
    private Integer tos;
    private Integer trafficClass;
    private String congestion;
    private byte[] tcpInfo;
    private Long cgroupId;
    private Integer shutdown;

    private InetDiagMessage(ByteBuffer message, int at, int addressLength) {
        family = Byte.toUnsignedInt(message.get(at));
        state = Byte.toUnsignedInt(message.get(at + 1));
        localPort = bigEndianPort(message, at + 4);
        remotePort = bigEndianPort(message, at + 6);
        localAddress = bytes(message, at + 8, addressLength);
        remoteAddress = bytes(message, at + 24, addressLength);
        receiveQueue = Integer.toUnsignedLong(message.getInt(at + 56));
        sendQueue = Integer.toUnsignedLong(message.getInt(at + 60));
        uid = Integer.toUnsignedLong(message.getInt(at + 64));
        inode = Integer.toUnsignedLong(message.getInt(at + 68));
    }

    /**
     * Parses the payload of one SOCK_DIAG_BY_FAMILY reply ({@code message}: array-backed, in native order).
     *
     * @param addressLength 4 for AF_INET (only src[0] and dst[0] are used), 16 for AF_INET6
     */
    static InetDiagMessage parse(ByteBuffer message, int at, int length, int addressLength)
            throws MalformedReplyException {
        if (length < LENGTH) {
            throw new MalformedReplyException("inet_diag_msg of " + length + " bytes, fewer than " + LENGTH);
        }
        InetDiagMessage parsed = new InetDiagMessage(message, at, addressLength);
        int end = at + length;
        int attribute = at + LENGTH;
        while (attribute + 4 <= end) {
            int attributeLength = Short.toUnsignedInt(message.getShort(attribute));
            int type = Short.toUnsignedInt(message.getShort(attribute + 2)) & NLA_TYPE_MASK;
            if (attributeLength < 4 || attribute + attributeLength > end) {
                throw new MalformedReplyException("attribute " + type + " of length " + attributeLength);
            }
            parsed.attribute(type, message, attribute + 4, attributeLength - 4);
            attribute += NetlinkDump.align(attributeLength);
        }
        return parsed;
    }

    /** idiag_inode of the message at {@code at}, before parsing the rest (buffer in native order). */
    static long inodeOf(ByteBuffer message, int at) {
        return Integer.toUnsignedLong(message.getInt(at + 68));
    }

    private void attribute(int type, ByteBuffer message, int at, int length) {
        switch (type) {
            case INET_DIAG_SKMEMINFO: // __u32[SK_MEMINFO_VARS], filled by sock_diag_put_meminfo
                if (length >= 4 * (SK_MEMINFO_SNDBUF + 1)) {
                    receiveBuffer = message.getInt(at + 4 * SK_MEMINFO_RCVBUF);
                    sendBuffer = message.getInt(at + 4 * SK_MEMINFO_SNDBUF);
                }
                break;
            case INET_DIAG_MARK: // __u32 sk_mark, only for CAP_NET_ADMIN in the namespace's user namespace
                mark = length >= 4 ? Integer.toUnsignedLong(message.getInt(at)) : null;
                break;
            case INET_DIAG_TOS: // __u8 inet->tos
                tos = length >= 1 ? Byte.toUnsignedInt(message.get(at)) : null;
                break;
            case INET_DIAG_TCLASS: // __u8 inet6_sk(sk)->tclass, AF_INET6 sockets only
                trafficClass = length >= 1 ? Byte.toUnsignedInt(message.get(at)) : null;
                break;
            case INET_DIAG_CONG: // NUL-terminated icsk_ca_ops->name
                int end = at;
                while (end < at + length && message.get(end) != 0) {
                    end++;
                }
                congestion = new String(bytes(message, at, end - at), StandardCharsets.US_ASCII);
                break;
            case INET_DIAG_INFO: // struct tcp_info, as getsockopt(TCP_INFO) returns it (tcp_get_info)
                tcpInfo = bytes(message, at, length);
                break;
            case INET_DIAG_CGROUP_ID: // __u64
                cgroupId = length >= 8 ? message.getLong(at) : null;
                break;
            case INET_DIAG_SHUTDOWN: // __u8 sk_shutdown
                shutdown = length >= 1 ? Byte.toUnsignedInt(message.get(at)) : null;
                break;
            default:
                break; // not read by livetune
        }
    }

    private static int bigEndianPort(ByteBuffer message, int at) {
        return ((message.get(at) & 0xff) << 8) | (message.get(at + 1) & 0xff);
    }

    private static byte[] bytes(ByteBuffer message, int at, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(message.array(), message.arrayOffset() + at, copy, 0, length);
        return copy;
    }

    /** AF_INET or AF_INET6. */
    public int family() {
        return family;
    }

    /** The kernel's state number (include/net/tcp_states.h), as /proc/net/tcp prints it. */
    public int state() {
        return state;
    }

    public int localPort() {
        return localPort;
    }

    public int remotePort() {
        return remotePort;
    }

    /** In network byte order: 4 bytes (IPv4) or 16 (IPv6). */
    public byte[] localAddress() {
        return localAddress.clone();
    }

    public byte[] remoteAddress() {
        return remoteAddress.clone();
    }

    /**
     * idiag_rqueue: for a TCP listener its accept queue, for a connection the unread bytes,
     * for UDP the receive memory (the same numbers as /proc/net/tcp and udp).
     */
    public long receiveQueue() {
        return receiveQueue;
    }

    /** idiag_wqueue: for a TCP listener its backlog (not a queue), otherwise the unsent bytes. */
    public long sendQueue() {
        return sendQueue;
    }

    public long uid() {
        return uid;
    }

    /** 0 for a socket no descriptor holds (TIME_WAIT, request sockets). */
    public long inode() {
        return inode;
    }

    /** sk_rcvbuf, which getsockopt(SO_RCVBUF) reports; -1 when the reply did not carry it. */
    public int receiveBuffer() {
        return receiveBuffer;
    }

    /** sk_sndbuf, which getsockopt(SO_SNDBUF) reports; -1 when the reply did not carry it. */
    public int sendBuffer() {
        return sendBuffer;
    }

    /** sk_mark, or null when we lack CAP_NET_ADMIN there. */
    public Long mark() {
        return mark;
    }

    public Integer tos() {
        return tos;
    }

    /** IPv6 only. */
    public Integer trafficClass() {
        return trafficClass;
    }

    /** TCP only. */
    public String congestion() {
        return congestion;
    }

    /** struct tcp_info, TCP only, or null. */
    public byte[] tcpInfo() {
        return tcpInfo == null ? null : Arrays.copyOf(tcpInfo, tcpInfo.length);
    }

    public Long cgroupId() {
        return cgroupId;
    }

    public Integer shutdown() {
        return shutdown;
    }
}
