package io.livetune.executor.sockets.diag;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One netlink dump: sends a request with NLM_F_DUMP and hands each reply message to a
 * handler until the kernel's NLMSG_DONE, turning NLMSG_ERROR (or an error in DONE) into an
 * {@link ErrnoException}. A dump comes as many datagrams, each holding many messages.
 *
 * <p>Layouts from include/uapi/linux/netlink.h: struct nlmsghdr { __u32 nlmsg_len; __u16
 * nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; }, messages aligned to
 * NLMSG_ALIGNTO (4), integers in host byte order.
 */
final class NetlinkDump {
    static final int HEADER_LENGTH = 16;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    /**
     * The kernel fills a dump datagram up to the reader's buffer, capped near 32 KiB
     * (netlink_recvmsg, SKB_WITH_OVERHEAD(32768)): twice that never truncates one.
     */
    private static final int DATAGRAM_BUFFER = 65536;

    /** Receives one reply message's payload: {@code payloadLength} bytes at {@code payload} in {@code message}. */
    interface Handler {
        void message(int type, ByteBuffer message, int payload, int payloadLength);
    }

    private NetlinkDump() {
    }

    /**
     * Runs the dump {@code request} (its header's sequence number {@code seq}) on netlink
     * socket {@code fd}.
     *
     * @throws ErrnoException the kernel refused the dump (NLMSG_ERROR), or the socket failed
     * @throws MalformedReplyException a reply that does not parse as netlink messages
     */
    static void run(LinuxSyscalls sys, int fd, byte[] request, int seq, Handler handler)
            throws ErrnoException, MalformedReplyException {
        sys.send(fd, request);
        byte[] datagram = new byte[DATAGRAM_BUFFER];
        ByteBuffer buffer = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
        while (true) {
            int length = sys.receive(fd, datagram);
            if (length == 0) {
                throw new MalformedReplyException("the netlink socket closed before NLMSG_DONE");
            }
            int at = 0;
            while (at + HEADER_LENGTH <= length) {
                int messageLength = buffer.getInt(at);
                int type = Short.toUnsignedInt(buffer.getShort(at + 4));
                int messageSeq = buffer.getInt(at + 8);
                if (messageLength < HEADER_LENGTH || at + messageLength > length) {
                    throw new MalformedReplyException("netlink message of length " + messageLength + " at byte "
                            + at + " of a " + length + "-byte datagram");
                }
                int payload = at + HEADER_LENGTH;
                int payloadLength = messageLength - HEADER_LENGTH;
                at += align(messageLength);
                if (messageSeq != seq) {
                    continue; // a reply to an earlier request on this socket: not ours
                }
                if (type == NLMSG_DONE || type == NLMSG_ERROR) {
                    // Both start with an int: 0, or a negative errno (netlink_dump_done, netlink_ack).
                    int error = payloadLength >= 4 ? buffer.getInt(payload) : 0;
                    if (error < 0) {
                        throw new ErrnoException("sock_diag dump", -error, type == NLMSG_DONE
                                ? "the kernel ended the dump with an error" : "the kernel refused the dump");
                    }
                    if (type == NLMSG_DONE) {
                        return;
                    }
                    continue;
                }
                handler.message(type, buffer, payload, payloadLength);
            }
        }
    }

    /** NLMSG_ALIGN and NLA_ALIGN: 4. */
    static int align(int length) {
        return (length + 3) & ~3;
    }
}
