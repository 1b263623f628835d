package io.livetune.executor.sockets.diag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bytes of a SOCK_DIAG_BY_FAMILY dump request for the sockets of one family and
 * protocol in the given states, with the extensions livetune reads.
 *
 * <p>From include/uapi/linux/inet_diag.h: struct inet_diag_req_v2 { __u8 sdiag_family;
 * __u8 sdiag_protocol; __u8 idiag_ext; __u8 pad; __u32 idiag_states; struct inet_diag_sockid
 * id; } where inet_diag_sockid is 48 bytes (ports, addresses, interface, cookie), all zero
 * for a dump of everything.
 */
final class InetDiagRequest {
    /** include/uapi/linux/sock_diag.h */
    static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int REQUEST_LENGTH = 56;
    /** Every state (1 << TCP_ESTABLISHED ... 1 << TCP_NEW_SYN_RECV); the kernel ignores the rest. */
    static final int ALL_STATES = 0xffffffff;

    private InetDiagRequest() {
    }

    /**
     * @param extensions a bit per attribute, 1 << (INET_DIAG_x - 1); only the first eight can
     *                   be asked for (the others come unasked, or with privileges)
     * @param states     a bit per state, 1 << TCP_x (include/net/tcp_states.h): the kernel skips
     *                   the others before it fills anything in, and a dump of listeners only
     *                   does not walk the established connections' hash at all
     */
    static byte[] dump(int family, int protocol, int extensions, int states, int seq) {
        int length = NetlinkDump.HEADER_LENGTH + REQUEST_LENGTH;
        ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        bytes.putInt(length);
        bytes.putShort((short) SOCK_DIAG_BY_FAMILY);
        bytes.putShort((short) (NetlinkDump.NLM_F_REQUEST | NetlinkDump.NLM_F_DUMP));
        bytes.putInt(seq);
        bytes.putInt(0); // nlmsg_pid: the kernel fills in ours
        bytes.put((byte) family);
        bytes.put((byte) protocol);
        bytes.put((byte) extensions);
        bytes.put((byte) 0);
        bytes.putInt(states);
        // inet_diag_sockid: zero, as allocated
        return bytes.array();
    }
}
