package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxIn;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.nativeio.SysSocket;
import io.livetune.executor.sockets.diag.InetDiag;
import io.livetune.executor.sockets.diag.InetDiagMessage;
import io.livetune.executor.sockets.diag.MalformedReplyException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The socket table of a network namespace read from the kernel's socket diagnostics
 * ({@link InetDiag}) instead of /proc/PID/net: the same sockets with the same state,
 * addresses and queues, and with the option values the diagnostics carry (see
 * {@link SockDiagField}), so that those need no getsockopt.
 */
final class SockDiagTable {
    private static final int ALL_STATES = 0xffffffff;
    private static final int[][] DUMPS = {
        {SysSocket.AF_INET, LinuxIn.IPPROTO_TCP}, {SysSocket.AF_INET6, LinuxIn.IPPROTO_TCP},
        {SysSocket.AF_INET, LinuxIn.IPPROTO_UDP}, {SysSocket.AF_INET6, LinuxIn.IPPROTO_UDP},
    };

    private final LinuxSyscalls sys;
    private final NetworkNamespaces namespaces;
    private final boolean optionValues;

    /** @param optionValues whether to ask for the option values too, or the table only */
    SockDiagTable(LinuxSyscalls sys, NetworkNamespaces namespaces, boolean optionValues) {
        this.sys = sys;
        this.namespaces = namespaces;
        this.optionValues = optionValues;
    }

    /**
     * The table of the namespace {@code pid} lives in, or null when the kernel's
     * diagnostics cannot be read there (no inet_diag / tcp_diag / udp_diag, a refusal, the
     * namespace cannot be entered): the caller then reads /proc, which gives the same sockets.
     *
     * @param wanted the inodes to keep, or null for all
     * @param picked which sockets the caller will pick from the table: the kernel is asked for
     *               the protocols, families and states that can match only (null: all)
     */
    InetSocketTable read(String namespace, int pid, Set<Long> wanted, SocketFilter picked) {
        Integer fd = namespaces.isOurs(namespace) ? new Opener(sys).get()
                : namespaces.inNamespaceOf(pid, new Opener(sys), null);
        if (fd == null) {
            return null;
        }
        try {
            Map<Long, InetSocket> sockets = new HashMap<>();
            for (int[] dump : DUMPS) {
                Protocol protocol = dump[1] == LinuxIn.IPPROTO_TCP ? Protocol.TCP : Protocol.UDP;
                Family family = dump[0] == SysSocket.AF_INET ? Family.IPV4 : Family.IPV6;
                int states = picked == null ? ALL_STATES : states(picked, protocol, family);
                if (states == 0) {
                    continue; // none of them can be picked: not asked for
                }
                for (InetDiagMessage message : InetDiag.dump(sys, fd, dump[0], dump[1], states, wanted, optionValues)) {
                    sockets.put(message.inode(), socket(protocol, message));
                }
            }
            return new InetSocketTable(sockets);
        } catch (ErrnoException | MalformedReplyException e) {
            return null;
        } finally {
            sys.close(fd);
        }
    }

    /** The states (a bit per kernel state number) of this protocol and family that {@code picked} can pick. */
    static int states(SocketFilter picked, Protocol protocol, Family family) {
        int states = 0;
        for (SocketState state : SocketState.values()) {
            boolean aStateOfThisProtocol = SocketState.of(protocol, state.code(protocol)) == state; // UDP: UNCONN, not CLOSE
            if (aStateOfThisProtocol && picked.couldMatch(protocol, family, state)) {
                states |= 1 << state.code(protocol);
            }
        }
        return states;
    }

    /** The socket as /proc/net would have listed it, with what the diagnostics carry besides. */
    static InetSocket socket(Protocol protocol, InetDiagMessage message) {
        Family family = message.family() == SysSocket.AF_INET ? Family.IPV4 : Family.IPV6;
        SocketState state = SocketState.of(protocol, message.state());
        // For a TCP listener idiag_wqueue is its backlog, where /proc/net/tcp prints
        // write_seq - snd_una, always 0 for a socket that never sends.
        long sendQueue = state == SocketState.LISTEN ? 0 : message.sendQueue();
        return new InetSocket(protocol, family, state, address(message.localAddress()), message.localPort(),
                address(message.remoteAddress()), message.remotePort(), sendQueue, message.receiveQueue(),
                message.inode(), message);
    }

    /** As for /proc: an IPv4-mapped IPv6 address becomes the IPv4 address (InetAddress's rule). */
    private static InetAddress address(byte[] networkOrder) {
        try {
            return InetAddress.getByAddress(networkOrder);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("impossible: address of length " + networkOrder.length, e);
        }
    }

    /** Opens the netlink socket on the calling thread (null when refused), as NetworkNamespaces wants. */
    private static final class Opener implements Supplier<Integer> {
        private final LinuxSyscalls sys;

        Opener(LinuxSyscalls sys) {
            this.sys = sys;
        }

        @Override
        public Integer get() {
            try {
                return InetDiag.open(sys);
            } catch (ErrnoException e) {
                return null;
            }
        }
    }
}
