package io.livetune.executor.it;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.SocketAssertions.assertEveryOptionMatchesOwnView;
import static io.livetune.executor.it.SocketAssertions.assertNoNotes;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxIn;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.nativeio.SysSocket;
import io.livetune.executor.sockets.diag.InetDiag;
import io.livetune.executor.sockets.diag.InetDiagMessage;
import io.livetune.executor.sockets.diag.MalformedReplyException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The kernel's socket diagnostics as livetune reads them (NETLINK_SOCK_DIAG), for real
 * sockets whose options their process changed from the defaults with its own setsockopt:
 * every value livetune takes from them instead of getsockopt must be what the process's own
 * getsockopt reports, and what ss shows where it shows it.
 */
class SockDiagTest extends LiveProcessTest {
    private static final Map<String, Object> TCP_OPTIONS = Map.of("so_sndbuf", 23456, "so_mark", 0xbeef,
            "ip_tos", 0x28, "tcp_congestion", "reno");

    @Test
    void tcpSocketsOfBothFamiliesCarryTheValuesTheirProcessSees() throws Exception {
        TargetProcess target = start(target().tcpListener("ipv4", 17, 45678).tcpPair("ipv6", 34567));
        TargetSocket listener = target.socket("listener");
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        target.setOwnOptions(listener, TCP_OPTIONS);
        target.setOwnOptions(client, Map.of("so_sndbuf", 33333, "so_mark", 7, "ipv6_tclass", 0x48, "ip_tos", 0x10,
                "tcp_congestion", "reno"));

        Map<Long, InetDiagMessage> v4 = dump(SysSocket.AF_INET, LinuxIn.IPPROTO_TCP, target);
        Map<Long, InetDiagMessage> v6 = dump(SysSocket.AF_INET6, LinuxIn.IPPROTO_TCP, target);
        Ss ss = Ss.tcp(target.pid());
        for (TargetSocket socket : List.of(listener, client, server)) {
            InetDiagMessage diag = (socket == listener ? v4 : v6).get(socket.inode());
            assertNotNull(diag, "sock_diag lists " + socket);
            assertCarriesOwnView(diag, target.ownOptions(socket.fd()), socket);
            Ss.SsSocket seen = ss.byInode(socket.inode());
            assertEquals(seen.receiveBuffer(), diag.receiveBuffer(), "ss skmem rb of " + socket);
            assertEquals(seen.sendBuffer(), diag.sendBuffer(), "ss skmem tb of " + socket);
            assertTrue(seen.showsCongestionControl(diag.congestion()), "ss shows " + diag.congestion() + ": " + seen);
            assertEquals(socket.localPort(), diag.localPort(), "local port of " + socket);
            assertNotNull(diag.tcpInfo(), "tcp_info of " + socket);
        }
        assertEquals(0xbeef, v4.get(listener.inode()).mark(), "the mark the listener's process set");
        assertEquals(0x48, v6.get(client.inode()).trafficClass(), "the traffic class the client's process set");
        assertEquals("reno", v4.get(listener.inode()).congestion());
        // The listener's queues: Send-Q is its backlog for ss and for sock_diag alike.
        assertEquals(17, v4.get(listener.inode()).sendQueue(), "idiag_wqueue of a listener is its backlog");
    }

    @Test
    void udpSocketsCarryTheirBuffersTosAndMark() throws Exception {
        TargetProcess target = start(target().udp("ipv4", 40000).udp("ipv6", 50000));
        for (TargetSocket socket : target.sockets("udp")) {
            target.setOwnOptions(socket, Map.of("so_sndbuf", 25000, "so_mark", 42, "ip_tos", 0x20));
            int family = socket.family().equals("ipv4") ? SysSocket.AF_INET : SysSocket.AF_INET6;
            InetDiagMessage diag = dump(family, LinuxIn.IPPROTO_UDP, target).get(socket.inode());
            assertNotNull(diag, "sock_diag lists " + socket);
            assertCarriesOwnView(diag, target.ownOptions(socket.fd()), socket);
            assertEquals(42L, diag.mark());
            assertEquals(null, diag.congestion(), "UDP has no congestion control");
        }
    }

    @Test
    void socketInfoGivesTheSameValuesAsTheTargetsOwnGetsockopt() {
        TargetProcess target = start(target().tcpPair("ipv6").udp("ipv4", 40000));
        target.setOwnOptions(target.socket("client"), Map.of("so_rcvbuf", 30000, "so_mark", 9, "ipv6_tclass", 0x20,
                "tcp_congestion", "reno"));
        target.setOwnOptions(target.socket("udp"), Map.of("so_sndbuf", 30000, "ip_tos", 0x48));
        ExecutorResult result = Executor.ansible("socket_info", args("pid", target.pid()));
        assertFalse(result.failed(), result::toString);
        for (TargetSocket socket : target.sockets()) {
            JsonNode entry = result.socket(socket);
            assertNoNotes(entry, result.toString());
            assertEveryOptionMatchesOwnView(entry, target.ownOptions(socket.fd()), " (" + socket + ")" + result);
        }
    }

    /** Each value the diagnostics carry equals the process's own getsockopt of it. */
    private static void assertCarriesOwnView(InetDiagMessage diag, JsonNode own, TargetSocket socket) {
        String context = " of " + socket + ": the process sees " + own;
        assertEquals(own.path("so_rcvbuf").asInt(), diag.receiveBuffer(), "so_rcvbuf" + context);
        assertEquals(own.path("so_sndbuf").asInt(), diag.sendBuffer(), "so_sndbuf" + context);
        assertEquals(own.path("so_mark").asLong(), diag.mark(), "so_mark (we are root)" + context);
        assertEquals(own.path("ip_tos").asInt(), diag.tos(), "ip_tos" + context);
        if (socket.family().equals("ipv6")) {
            assertEquals(own.path("ipv6_tclass").asInt(), diag.trafficClass(), "ipv6_tclass" + context);
        }
        if (socket.protocol().equals("tcp")) {
            assertEquals(own.path("tcp_congestion").asText(), diag.congestion(), "tcp_congestion" + context);
        }
    }

    /** The target's sockets of that family and protocol, read from the kernel's diagnostics by livetune's reader. */
    private static Map<Long, InetDiagMessage> dump(int family, int protocol, TargetProcess target)
            throws ErrnoException, MalformedReplyException {
        LinuxSyscalls sys = LinuxSyscalls.get();
        Set<Long> inodes = new java.util.HashSet<>();
        target.sockets().forEach(s -> inodes.add(s.inode()));
        int fd = InetDiag.open(sys); // the target lives in our namespace
        try {
            Map<Long, InetDiagMessage> byInode = new java.util.HashMap<>();
            for (InetDiagMessage message : InetDiag.dump(sys, fd, family, protocol, inodes, true)) {
                byInode.put(message.inode(), message);
            }
            return byInode;
        } finally {
            sys.close(fd);
        }
    }
}
