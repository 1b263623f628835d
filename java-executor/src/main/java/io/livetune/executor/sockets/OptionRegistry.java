package io.livetune.executor.sockets;

import static io.livetune.executor.nativeio.AsmGenericSocket.*;
import static io.livetune.executor.nativeio.LinuxIn.*;
import static io.livetune.executor.nativeio.LinuxIn6.*;
import static io.livetune.executor.nativeio.LinuxTcp.*;
import static io.livetune.executor.sockets.SocketOption.option;
import static io.livetune.executor.sockets.ValueType.BOOL;
import static io.livetune.executor.sockets.ValueType.INT;
import static io.livetune.executor.sockets.ValueType.LINGER;
import static io.livetune.executor.sockets.ValueType.MILLISECONDS;
import static io.livetune.executor.sockets.ValueType.STRING;
import static io.livetune.executor.sockets.ValueType.UINT;

import io.livetune.executor.nativeio.AsmGenericSocket;
import io.livetune.executor.nativeio.LinuxIn6;
import io.livetune.executor.nativeio.LinuxIn;
import io.livetune.executor.nativeio.LinuxTcp;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every socket option livetune knows: the one place that says, per option, its level and
 * optname, its value type and range, which sockets take it, and how the kernel reports it
 * back, and whether the kernel's socket diagnostics carry its value. The JSON Schema, the module documentation (checked by a test) and the planner all
 * read it from here.
 *
 * <p>The numbers come from holders named after the kernel's uapi headers ({@link AsmGenericSocket},
 * {@link LinuxIn}, {@link LinuxIn6}, {@link LinuxTcp}); they are the same on x86_64 and aarch64.
 */
public final class OptionRegistry {
    private static final Map<String, SocketOption> OPTIONS = new LinkedHashMap<>();
    /** {@link #all()}, made once the static block below has filled OPTIONS (fields initialise in order). */
    private static final List<SocketOption> ALL;

    static {
        add(option("so_rcvbuf", SOL_SOCKET, SO_RCVBUF, INT).force(SO_RCVBUFFORCE).reported(KernelReport.RECEIVE_BUFFER)
                .inSockDiag(SockDiagField.RECEIVE_BUFFER)
                .build("Receive buffer in bytes (SO_RCVBUF). The kernel doubles it and caps the request at "
                        + "net.core.rmem_max unless force is set. Setting it turns off receive autotuning."));
        add(option("so_sndbuf", SOL_SOCKET, SO_SNDBUF, INT).force(SO_SNDBUFFORCE).reported(KernelReport.SEND_BUFFER)
                .inSockDiag(SockDiagField.SEND_BUFFER)
                .build("Send buffer in bytes (SO_SNDBUF). The kernel doubles it and caps the request at "
                        + "net.core.wmem_max unless force is set."));
        add(option("so_keepalive", SOL_SOCKET, SO_KEEPALIVE, BOOL).build("Send keepalive probes (SO_KEEPALIVE)."));
        add(option("so_priority", SOL_SOCKET, SO_PRIORITY, INT)
                .build("Queueing priority (SO_PRIORITY); above 6 needs CAP_NET_ADMIN."));
        add(option("so_mark", SOL_SOCKET, SO_MARK, UINT).inSockDiag(SockDiagField.MARK)
                .build("Firewall mark for routing and filtering (SO_MARK); needs CAP_NET_ADMIN."));
        add(option("so_linger", SOL_SOCKET, SO_LINGER, LINGER).reported(KernelReport.LINGER)
                .build("Linger on close (SO_LINGER), as {enabled: bool, seconds: int}."));
        add(option("so_rcvlowat", SOL_SOCKET, SO_RCVLOWAT, INT).reported(KernelReport.RCVLOWAT)
                .build("Bytes to wait for before a read returns (SO_RCVLOWAT); 0 is stored as 1."));
        add(option("so_busy_poll", SOL_SOCKET, SO_BUSY_POLL, INT)
                .build("Microseconds to busy-poll the device queue on blocking reads (SO_BUSY_POLL); "
                        + "raising it needs CAP_NET_ADMIN."));
        add(option("so_reuseaddr", SOL_SOCKET, SO_REUSEADDR, BOOL).build("Allow reuse of local addresses (SO_REUSEADDR)."));
        add(option("so_reuseport", SOL_SOCKET, SO_REUSEPORT, BOOL)
                .build("Allow several sockets to bind the same port (SO_REUSEPORT)."));
        add(option("so_rcvtimeo", SOL_SOCKET, SO_RCVTIMEO, MILLISECONDS).range(0, 86_400_000)
                .reported(KernelReport.TIMEOUT)
                .build("Milliseconds a blocking receive waits before failing (SO_RCVTIMEO); 0 waits forever. "
                        + "The kernel rounds up to whole jiffies."));
        add(option("so_sndtimeo", SOL_SOCKET, SO_SNDTIMEO, MILLISECONDS).range(0, 86_400_000)
                .reported(KernelReport.TIMEOUT)
                .build("Milliseconds a blocking send waits before failing (SO_SNDTIMEO); 0 waits forever. "
                        + "The kernel rounds up to whole jiffies."));
        add(option("so_broadcast", SOL_SOCKET, SO_BROADCAST, BOOL).only(Protocol.UDP)
                .build("Allow sending to broadcast addresses (SO_BROADCAST), UDP only."));
        add(option("tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, BOOL).only(Protocol.TCP)
                .build("Send small segments at once, without Nagle's algorithm (TCP_NODELAY)."));
        add(option("tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, INT).only(Protocol.TCP).range(1, 32767)
                .build("Seconds of idleness before the first keepalive probe (TCP_KEEPIDLE)."));
        add(option("tcp_keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, INT).only(Protocol.TCP).range(1, 32767)
                .build("Seconds between keepalive probes (TCP_KEEPINTVL)."));
        add(option("tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, INT).only(Protocol.TCP).range(1, 127)
                .build("Unanswered keepalive probes before the connection is dropped (TCP_KEEPCNT)."));
        add(option("tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, INT).only(Protocol.TCP)
                .build("Milliseconds sent data may stay unacknowledged before the connection is dropped "
                        + "(TCP_USER_TIMEOUT); 0 means the system default."));
        add(option("tcp_congestion", IPPROTO_TCP, TCP_CONGESTION, STRING).only(Protocol.TCP).inSockDiag(SockDiagField.CONGESTION)
                .build("Congestion control algorithm (TCP_CONGESTION), one of "
                        + "net.ipv4.tcp_available_congestion_control."));
        add(option("tcp_notsent_lowat", IPPROTO_TCP, TCP_NOTSENT_LOWAT, INT).only(Protocol.TCP)
                .build("Most unsent bytes to queue before the socket stops being writable (TCP_NOTSENT_LOWAT)."));
        add(option("tcp_maxseg", IPPROTO_TCP, TCP_MAXSEG, INT).only(Protocol.TCP).range(88, 32767).listenersOnly()
                .build("Maximum segment size for connections accepted from now on (TCP_MAXSEG); listeners only, "
                        + "because an open connection reports the MSS it negotiated."));
        add(option("tcp_window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP, INT).only(Protocol.TCP).range(1, Integer.MAX_VALUE)
                .reported(KernelReport.WINDOW_CLAMP)
                .build("Largest receive window to advertise, in bytes (TCP_WINDOW_CLAMP)."));
        add(option("tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, INT).only(Protocol.TCP).listenersOnly()
                .reported(KernelReport.DEFER_ACCEPT)
                .build("Seconds to wait for data before accept() returns a connection (TCP_DEFER_ACCEPT); "
                        + "listeners only. The kernel rounds up to its SYN-ACK retransmission schedule."));
        add(option("tcp_fastopen", IPPROTO_TCP, TCP_FASTOPEN, INT).only(Protocol.TCP).listenersOnly()
                .build("Length of the queue of TCP Fast Open requests not yet accepted (TCP_FASTOPEN); listeners "
                        + "only, and net.ipv4.tcp_fastopen must enable the server side."));
        add(option("tcp_thin_linear_timeouts", IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, BOOL).only(Protocol.TCP)
                .build("Linear retransmission timeouts for thin streams (TCP_THIN_LINEAR_TIMEOUTS)."));
        add(option("ip_tos", IPPROTO_IP, IP_TOS, INT).range(0, 255).reported(KernelReport.TOS_KEEPING_ECN)
                .inSockDiag(SockDiagField.TOS)
                .build("Type of service / DSCP byte of IPv4 packets (IP_TOS); TCP keeps the two ECN bits."));
        add(option("ip_ttl", IPPROTO_IP, IP_TTL, INT).range(1, 255)
                .build("Time to live of IPv4 packets (IP_TTL)."));
        add(option("ipv6_tclass", IPPROTO_IPV6, IPV6_TCLASS, INT).only(Family.IPV6).range(0, 255)
                .reported(KernelReport.TOS_KEEPING_ECN).inSockDiag(SockDiagField.TRAFFIC_CLASS)
                .build("Traffic class of IPv6 packets (IPV6_TCLASS); TCP keeps the two ECN bits."));
        add(option("ipv6_unicast_hops", IPPROTO_IPV6, IPV6_UNICAST_HOPS, INT).only(Family.IPV6).range(1, 255)
                .build("Hop limit of unicast IPv6 packets (IPV6_UNICAST_HOPS)."));
        ALL = List.copyOf(OPTIONS.values());
    }

    private OptionRegistry() {
    }

    private static void add(SocketOption option) {
        OPTIONS.put(option.name(), option);
    }

    /** The option of that name, or null. */
    public static SocketOption get(String name) {
        return OPTIONS.get(name);
    }

    /** Every option, in the order the docs list them. */
    public static List<SocketOption> all() {
        return ALL;
    }

    /** Every option name. */
    public static java.util.Set<String> names() {
        return Collections.unmodifiableSet(OPTIONS.keySet());
    }
}
