package io.livetune.executor.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.SocketDescriptors;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The socket table read from the kernel's socket diagnostics must be the table /proc/net
 * gives (the path it replaces, and the one it falls back to): the same sockets with the same
 * protocol, family, state, addresses, ports and queues. Checked on real sockets of this JVM
 * in several states, with bytes waiting in a queue.
 */
class SockDiagTableTest {
    @Test
    void theDiagnosticsGiveTheSameTableAsProc() throws Exception {
        ProcFs proc = new ProcFs();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            ServerSocket listener4 = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
            open.add(listener4);
            Socket client4 = new Socket("127.0.0.1", listener4.getLocalPort());
            open.add(client4);
            Socket server4 = listener4.accept();
            open.add(server4);
            Socket queued = new Socket("127.0.0.1", listener4.getLocalPort()); // left in the accept queue
            open.add(queued);
            OutputStream out = client4.getOutputStream();
            out.write(new byte[1000]); // unread by server4: its receive queue holds 1000 bytes
            out.flush();
            DatagramSocket udp4 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            open.add(udp4);
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/if_inet6"))) {
                ServerSocket listener6 = new ServerSocket(0, 5, InetAddress.getByName("::1"));
                open.add(listener6);
                Socket client6 = new Socket("::1", listener6.getLocalPort());
                open.add(client6);
                open.add(listener6.accept());
                DatagramSocket udp6 = new DatagramSocket(new InetSocketAddress("::1", 0));
                open.add(udp6);
                udp6.connect(new InetSocketAddress("::1", udp4.getLocalPort() == 1 ? 2 : 1));
            }
            Set<Long> ours = new HashSet<>(SocketDescriptors.of(proc, ProcFs.selfPid()).values());
            // Wait until the 1000 bytes are in server4's receive queue (loopback delivers at once,
            // but a listing must not race the write).
            long deadline = System.nanoTime() + 10_000_000_000L;
            InetSocketTable fromProc;
            do {
                fromProc = InetSocketTable.read(proc, ProcFs.selfPid(), ours);
            } while (receiveQueueOf(fromProc, server4) != 1000 && System.nanoTime() < deadline);
            String namespace = proc.link(ProcFs.selfPid(), "ns/net");
            InetSocketTable fromDiag = new SockDiagTable(LinuxSyscalls.get(),
                    new NetworkNamespaces(LinuxSyscalls.get(), proc), true).read(namespace, ProcFs.selfPid(), ours,
                            new SocketFilter());
            assertNotNull(fromDiag, "this kernel answers sock_diag");
            assertEquals(fromProc.size(), fromDiag.size(), "as many sockets");
            assertTrue(fromProc.size() >= 5, "the test's sockets are listed: " + fromProc.size());
            for (long inode : ours) {
                InetSocket expected = fromProc.get(inode);
                InetSocket actual = fromDiag.get(inode);
                if (expected == null) {
                    assertEquals(null, actual, "not a TCP/UDP socket: " + inode);
                    continue;
                }
                assertNotNull(actual, "sock_diag lists " + expected);
                assertEquals(expected.toString(), actual.toString());
                assertEquals(expected.protocol(), actual.protocol(), expected.toString());
                assertEquals(expected.family(), actual.family(), expected.toString());
                assertEquals(expected.state(), actual.state(), expected.toString());
                assertEquals(expected.localAddress(), actual.localAddress(), expected.toString());
                assertEquals(expected.localPort(), actual.localPort(), expected.toString());
                assertEquals(expected.remoteAddress(), actual.remoteAddress(), expected.toString());
                assertEquals(expected.remotePort(), actual.remotePort(), expected.toString());
                assertEquals(expected.receiveQueue(), actual.receiveQueue(), "receive queue of " + expected);
                assertEquals(expected.sendQueue(), actual.sendQueue(), "send queue of " + expected);
                assertNotNull(actual.diag(), "what sock_diag carried is kept for " + expected);
            }
            assertEquals(1000, receiveQueueOf(fromDiag, server4), "the unread bytes");
            assertEquals(1, fromDiag.get(inodeOfListener(fromProc, listener4)).receiveQueue(),
                    "one connection waits in the accept queue");
        } finally {
            for (AutoCloseable socket : open) {
                socket.close();
            }
        }
    }

    /**
     * A task about listeners (or UDP, or IPv6) asks the kernel for those only: the table of such
     * a read holds exactly the sockets of /proc's table that the filter can pick, and no other.
     */
    @Test
    void theKernelIsAskedOnlyForTheProtocolsFamiliesAndStatesTheFilterCanPick() throws Exception {
        ProcFs proc = new ProcFs();
        List<AutoCloseable> open = new ArrayList<>();
        try {
            ServerSocket listener4 = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
            open.add(listener4);
            open.add(new Socket("127.0.0.1", listener4.getLocalPort()));
            open.add(listener4.accept());
            open.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
            DatagramSocket connected = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            connected.connect(new InetSocketAddress("127.0.0.1", listener4.getLocalPort()));
            open.add(connected);
            Set<Long> ours = new HashSet<>(SocketDescriptors.of(proc, ProcFs.selfPid()).values());
            InetSocketTable all = InetSocketTable.read(proc, ProcFs.selfPid(), ours);
            String namespace = proc.link(ProcFs.selfPid(), "ns/net");
            SockDiagTable diag = new SockDiagTable(LinuxSyscalls.get(), new NetworkNamespaces(LinuxSyscalls.get(), proc),
                    false);
            List<SocketFilter> filters = List.of(
                    new SocketFilter().state(SocketFilter.StateFilter.LISTEN),
                    new SocketFilter().protocol(Protocol.TCP).state(SocketFilter.StateFilter.ESTABLISHED),
                    new SocketFilter().protocol(Protocol.UDP),
                    new SocketFilter().protocol(Protocol.UDP).state(SocketFilter.StateFilter.LISTEN),
                    new SocketFilter().family(Family.IPV6));
            for (SocketFilter filter : filters) {
                InetSocketTable narrowed = diag.read(namespace, ProcFs.selfPid(), ours, filter);
                assertNotNull(narrowed, "this kernel answers sock_diag");
                Set<Long> expected = new HashSet<>();
                for (long inode : inodes(all)) {
                    InetSocket s = all.get(inode);
                    if (filter.couldMatch(s.protocol(), s.family(), s.state())) {
                        expected.add(inode);
                    }
                }
                assertEquals(expected, inodes(narrowed), "the sockets read for " + describe(filter, all, narrowed));
            }
            assertEquals(1 << 10, SockDiagTable.states(new SocketFilter().state(SocketFilter.StateFilter.LISTEN),
                    Protocol.TCP, Family.IPV4), "TCP listeners: TCP_LISTEN");
            int udpListening = SockDiagTable.states(new SocketFilter().state(SocketFilter.StateFilter.LISTEN),
                    Protocol.UDP, Family.IPV6);
            assertEquals(1 << 7, udpListening & (1 << 7 | 1 << 1), "unconnected UDP: TCP_CLOSE, not connected ones");
            assertEquals(0, SockDiagTable.states(new SocketFilter().protocol(Protocol.UDP), Protocol.TCP, Family.IPV4));
            assertEquals(0b1_1111_1111_1110, SockDiagTable.states(new SocketFilter(), Protocol.TCP, Family.IPV4),
                    "no condition: every state, TCP_ESTABLISHED (1) to TCP_NEW_SYN_RECV (12)");
        } finally {
            for (AutoCloseable socket : open) {
                socket.close();
            }
        }
    }

    private static String describe(SocketFilter filter, InetSocketTable all, InetSocketTable narrowed) {
        StringBuilder text = new StringBuilder("a filter; every socket of ours:");
        for (long inode : inodes(all)) {
            text.append("\n  ").append(all.get(inode)).append(narrowed.get(inode) != null ? " (read)" : "");
        }
        return text.toString();
    }

    private static long receiveQueueOf(InetSocketTable table, Socket socket) {
        for (long inode : inodes(table)) {
            InetSocket s = table.get(inode);
            if (s.state() == SocketState.ESTABLISHED && s.localPort() == socket.getLocalPort()
                    && s.remotePort() == socket.getPort()) {
                return s.receiveQueue();
            }
        }
        return -1;
    }

    private static long inodeOfListener(InetSocketTable table, ServerSocket listener) {
        for (long inode : inodes(table)) {
            InetSocket s = table.get(inode);
            if (s.state() == SocketState.LISTEN && s.localPort() == listener.getLocalPort()) {
                return inode;
            }
        }
        throw new AssertionError("no listener on port " + listener.getLocalPort());
    }

    private static Set<Long> inodes(InetSocketTable table) {
        return table.inodes();
    }
}
