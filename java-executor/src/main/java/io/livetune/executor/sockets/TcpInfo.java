package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxIn;
import io.livetune.executor.nativeio.LinuxTcp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The few fields of struct tcp_info (linux/tcp.h) livetune uses. Its layout only ever grows
 * at the end, so these offsets hold on every kernel.
 */
public final class TcpInfo {
    /** Enough for every field below; older kernels return less, which {@link #has} checks. */
    private static final int LENGTH = 256;
    private static final int LAST_ACK_RECV = 56;
    private static final int SND_WND = 228;
    private static final int RCV_WND = 232;
    private static final int TCPI_OPT_WSCALE = 4;

    private final ByteBuffer raw;
    private final int length;

    private TcpInfo(byte[] raw) {
        this.raw = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        this.length = raw.length;
    }

    private boolean has(int offset) {
        return length >= offset + 4;
    }

    /** Segments sent and not yet acknowledged (tcpi_unacked, for a connection). */
    public int unacknowledged() {
        return raw.getInt(24);
    }

    /** Milliseconds since the last ACK arrived. */
    public long sinceLastAckMillis() {
        return Integer.toUnsignedLong(raw.getInt(LAST_ACK_RECV));
    }

    /** The window the peer advertises (tcpi_snd_wnd, Linux 5.4+), or -1 when the kernel does not say. */
    public long peerWindow() {
        return has(SND_WND) ? Integer.toUnsignedLong(raw.getInt(SND_WND)) : -1;
    }

    /** The window we advertise (tcpi_rcv_wnd, Linux 6.2+), or -1 when the kernel does not say. */
    public long ourWindow() {
        return has(RCV_WND) ? Integer.toUnsignedLong(raw.getInt(RCV_WND)) : -1;
    }

    public static TcpInfo of(LiveSocket socket) throws ErrnoException {
        return new TcpInfo(socket.getsockopt(LinuxIn.IPPROTO_TCP, LinuxTcp.TCP_INFO, LENGTH));
    }

    /** The struct as the kernel's socket diagnostics carry it (INET_DIAG_INFO: the same tcp_get_info). */
    static TcpInfo of(byte[] raw) {
        return new TcpInfo(raw);
    }


    /** For a listener the kernel reports sk_max_ack_backlog in tcpi_sacked: the backlog in force. */
    public int listenBacklog() {
        return raw.getInt(28);
    }

    /** For a listener, tcpi_unacked holds sk_ack_backlog: connections waiting for accept(). */
    public int acceptQueue() {
        return raw.getInt(24);
    }

    /** Whether window scaling was negotiated when the connection opened. */
    public boolean windowScaling() {
        return (raw.get(5) & TCPI_OPT_WSCALE) != 0;
    }

    /** Our receive window scale, fixed at connection set-up (the high nibble: a little-endian bitfield). */
    public int receiveWindowScale() {
        return (raw.get(6) >> 4) & 0x0f;
    }

    /** The largest receive window this connection can ever advertise. */
    public long maxReceiveWindow() {
        return windowScaling() ? 65535L << receiveWindowScale() : 65535L;
    }
}
