package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.Executor.with;
import static io.livetune.executor.it.SocketAssertions.assertEveryOptionMatchesOwnView;
import static io.livetune.executor.it.SocketAssertions.assertHasTheOptionsOfItsKind;
import static io.livetune.executor.it.SocketAssertions.assertNoNotes;
import static io.livetune.executor.it.SocketAssertions.assertOwnedBy;
import static io.livetune.executor.it.SocketAssertions.texts;
import static io.livetune.executor.it.SocketAssertions.uniqueName;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * socket_info against real processes whose options the test set itself: every value is checked
 * against what the test set, the target's own getsockopt and, where it shows it, ss.
 */
@Tag(Executor.EVERY_METHOD)
class SocketInfoTest extends LiveProcessTest {
    private static final String PEER_WINDOW_ZERO = "peer window is 0: we cannot send";
    private static final String OUR_WINDOW_ZERO = "our window is 0: we cannot receive";

    private static ExecutorResult socketInfo(Map<String, Object> taskArgs) {
        ExecutorResult result = Executor.ansible("socket_info", taskArgs);
        assertFalse(result.changed(), "socket_info is read-only: changed must be false" + result);
        return result;
    }

    private static ExecutorResult readable(Map<String, Object> taskArgs) {
        ExecutorResult result = socketInfo(taskArgs);
        assertFalse(result.failed(), result::toString);
        return result;
    }

    private static Set<Long> inodes(ExecutorResult result) {
        return result.sockets().stream().map(s -> s.path("inode").asLong()).collect(Collectors.toSet());
    }

    private static boolean ipv6Available() {
        return Files.exists(Path.of("/proc/net/if_inet6"));
    }

    @Test
    void aListenerReportsItsBacklogAcceptQueueAndEveryOptionAsTheTargetAndSsSeeThem() throws IOException {
        String name = uniqueName("lt-lsn-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 7, 4096));
        TargetSocket listener = target.socket("listener");
        try (Socket first = new Socket("127.0.0.1", listener.localPort());
             Socket second = new Socket("127.0.0.1", listener.localPort())) {
            // Two handshakes the target never accepts: its accept queue holds 2.
            Ss.SsSocket seen = Await.until(() -> Ss.tcp(target.pid()).byInode(listener.inode()),
                    s -> s.recvQ() == 2, "ss shows 2 connections in the accept queue", 10);

            ExecutorResult result = readable(args("pid", target.pid()));
            String context = result.toString();
            assertEquals(1, result.sockets().size(), "the target holds one socket" + context);
            JsonNode entry = result.socket(listener);
            assertEquals("tcp", entry.path("protocol").asText(), context);
            assertEquals("ipv4", entry.path("family").asText(), context);
            assertEquals("listen", entry.path("state").asText(), context);
            assertEquals("127.0.0.1:" + listener.localPort(), entry.path("local").asText(), context);
            assertEquals(Kernel.networkNamespaceOf(target.pid()), entry.path("netns").asText(), context);
            assertEquals(1, entry.path("owners").size(), context);
            assertOwnedBy(entry, target.pid(), listener.fd(), name, context);

            assertTrue(entry.path("backlog").isInt(), context);
            assertEquals(Kernel.backlogInForce(7), entry.path("backlog").asInt(), "backlog the target asked for" + context);
            assertEquals(seen.backlog(), entry.path("backlog").asLong(), "backlog vs ss Send-Q" + context);
            assertEquals(2, entry.path("accept_queue").asInt(), "accept queue: 2 unaccepted connections" + context);
            assertEquals(seen.recvQ(), entry.path("accept_queue").asLong(), "accept queue vs ss Recv-Q" + context);

            JsonNode options = entry.path("options");
            assertEquals(Kernel.receiveBufferReadBack(4096), options.path("so_rcvbuf").asInt(), "so_rcvbuf set by the test" + context);
            assertEquals(seen.receiveBuffer(), options.path("so_rcvbuf").asLong(), "so_rcvbuf vs ss skmem rb" + context);
            assertEquals(seen.sendBuffer(), options.path("so_sndbuf").asLong(), "so_sndbuf vs ss skmem tb" + context);
            assertHasTheOptionsOfItsKind(entry, context);
            assertEveryOptionMatchesOwnView(entry, target.ownOptions(listener.fd()), context);
            assertNoNotes(entry, context);
        }
    }

    @Test
    void anEstablishedPairReportsAddressesQueuesAndOwnersAsSsSeesThem() {
        String name = uniqueName("lt-est-");
        TargetProcess target = start(target().named(name).tcpPair("ipv4"));
        TargetSocket pairListener = target.socket("pair_listener");
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        target.sendBytes(client, 1000); // the server end never reads them

        Await.until(() -> Ss.tcp(target.pid()),
                ss -> ss.byInode(server.inode()).recvQ() == 1000 && ss.byInode(client.inode()).sendQ() == 0,
                "ss shows the 1000 bytes queued at the server end and acknowledged", 10);
        ExecutorResult result = readable(args("pid", target.pid(), "state", "established"));
        Ss ss = Ss.tcp(target.pid());
        String context = result.toString();
        assertEquals(Set.of(client.inode(), server.inode()), inodes(result), "state=established picks both ends" + context);

        JsonNode c = result.socket(client);
        assertEquals("established", c.path("state").asText(), context);
        assertEquals("127.0.0.1:" + client.localPort(), c.path("local").asText(), context);
        assertEquals("127.0.0.1:" + pairListener.localPort(), c.path("remote").asText(), context);
        assertEquals(0, c.path("recv_q").asLong(), context);
        assertEquals(ss.byInode(client.inode()).recvQ(), c.path("recv_q").asLong(), "client recv_q vs ss" + context);
        assertEquals(ss.byInode(client.inode()).sendQ(), c.path("send_q").asLong(), "client send_q vs ss" + context);
        assertOwnedBy(c, target.pid(), client.fd(), name, context);

        JsonNode s = result.socket(server);
        assertEquals("127.0.0.1:" + pairListener.localPort(), s.path("local").asText(), context);
        assertEquals("127.0.0.1:" + client.localPort(), s.path("remote").asText(), context);
        assertEquals(1000, s.path("recv_q").asLong(), "the 1000 bytes the client sent and nobody read" + context);
        assertEquals(ss.byInode(server.inode()).recvQ(), s.path("recv_q").asLong(), "server recv_q vs ss" + context);
        assertEquals(ss.byInode(server.inode()).sendQ(), s.path("send_q").asLong(), "server send_q vs ss" + context);
        assertOwnedBy(s, target.pid(), server.fd(), name, context);

        for (JsonNode entry : List.of(c, s)) {
            assertFalse(entry.has("backlog"), "backlog is for listeners" + context);
            assertTrue(entry.path("diagnostics").isArray(), "diagnostics of a connection" + context);
            assertFalse(texts(entry.path("diagnostics")).stream().anyMatch(d -> d.contains("window is 0")),
                    "no window is closed on an idle connection" + context);
            assertHasTheOptionsOfItsKind(entry, context);
            assertNoNotes(entry, context);
        }
        assertEveryOptionMatchesOwnView(c, target.ownOptions(client.fd()), context);
        assertEveryOptionMatchesOwnView(s, target.ownOptions(server.fd()), context);
    }

    @Test
    void udpSocketsOfBothFamiliesReportTheirQueuesAndOptions() throws IOException {
        assumeTrue(ipv6Available(), "IPv6 is disabled on this host");
        String name = uniqueName("lt-udp-");
        TargetProcess target = start(target().named(name).udp("ipv4", 4096).udp("ipv6", 8192));
        TargetSocket v4 = target.sockets("udp").get(0);
        TargetSocket v6 = target.sockets("udp").get(1);
        target.setOwnOptions(v4, Map.of("so_broadcast", 1));
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            byte[] payload = new byte[100];
            sender.send(new DatagramPacket(payload, payload.length, InetAddress.getByName("127.0.0.1"), v4.localPort()));
        }
        Ss.SsSocket seenV4 = Await.until(() -> Ss.udp(target.pid()).byInode(v4.inode()), s -> s.recvQ() > 0,
                "ss shows the datagram queued at the ipv4 socket", 10);

        ExecutorResult result = readable(args("pid", target.pid(), "protocol", "udp"));
        Ss ss = Ss.udp(target.pid());
        String context = result.toString();
        assertEquals(Set.of(v4.inode(), v6.inode()), inodes(result), context);

        JsonNode e4 = result.socket(v4);
        assertEquals("udp", e4.path("protocol").asText(), context);
        assertEquals("ipv4", e4.path("family").asText(), context);
        assertEquals("unconn", e4.path("state").asText(), context);
        assertEquals("127.0.0.1:" + v4.localPort(), e4.path("local").asText(), context);
        assertEquals(seenV4.recvQ(), e4.path("recv_q").asLong(), "ipv4 recv_q vs ss Recv-Q (the unread datagram)" + context);
        assertEquals(ss.byInode(v4.inode()).sendQ(), e4.path("send_q").asLong(), context);
        assertEquals(BooleanNode.TRUE, e4.path("options").path("so_broadcast"), "so_broadcast set by the test" + context);
        assertEquals(Kernel.receiveBufferReadBack(4096), e4.path("options").path("so_rcvbuf").asInt(), context);
        assertEquals(ss.byInode(v4.inode()).receiveBuffer(), e4.path("options").path("so_rcvbuf").asLong(), context);

        JsonNode e6 = result.socket(v6);
        assertEquals("ipv6", e6.path("family").asText(), context);
        assertEquals("[::1]:" + v6.localPort(), e6.path("local").asText(), context);
        assertEquals(0, e6.path("recv_q").asLong(), context);
        assertEquals(ss.byInode(v6.inode()).recvQ(), e6.path("recv_q").asLong(), context);
        assertEquals(BooleanNode.FALSE, e6.path("options").path("so_broadcast"), context);
        assertEquals(Kernel.receiveBufferReadBack(8192), e6.path("options").path("so_rcvbuf").asInt(), context);
        assertEquals(ss.byInode(v6.inode()).receiveBuffer(), e6.path("options").path("so_rcvbuf").asLong(), context);

        for (TargetSocket socket : List.of(v4, v6)) {
            JsonNode entry = result.socket(socket);
            assertFalse(entry.has("backlog"), context);
            assertOwnedBy(entry, target.pid(), socket.fd(), name, context);
            assertHasTheOptionsOfItsKind(entry, context);
            assertEveryOptionMatchesOwnView(entry, target.ownOptions(socket.fd()), context);
            assertNoNotes(entry, context);
        }
    }

    @Test
    void optionsTheTargetSetAreReportedAsValuesOfTheirKind() {
        String defaultCongestion = Kernel.sysctl("net.ipv4.tcp_congestion_control");
        String otherCongestion = Kernel.availableCongestionControls().stream()
                .filter(c -> !c.equals(defaultCongestion)).findFirst().orElse(null);
        assumeTrue(otherCongestion != null, "only one congestion control is available");
        assumeTrue(Kernel.isRoot() || Kernel.sysctl("net.ipv4.tcp_allowed_congestion_control").contains(otherCongestion),
                otherCongestion + " needs CAP_NET_ADMIN");

        String name = uniqueName("lt-opt-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 20, 4096).tcpPair("ipv4"));
        TargetSocket listener = target.socket("listener");
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        JsonNode ownListener = target.setOwnOptions(listener, Map.of(
                "so_linger", Map.of("enabled", true, "seconds", 7),
                "so_reuseaddr", 1,
                "so_rcvtimeo", 1234,
                "so_sndtimeo", 2500,
                "tcp_defer_accept", 5));
        JsonNode ownClient = target.setOwnOptions(client, Map.of(
                "so_keepalive", 1, "tcp_keepidle", 37, "tcp_keepintvl", 11, "tcp_keepcnt", 4,
                "tcp_congestion", otherCongestion, "tcp_nodelay", 1, "tcp_user_timeout", 4321));
        assertEquals(otherCongestion, ownClient.path("tcp_congestion").asText(), "setup: the target's own view");

        ExecutorResult result = readable(args("pid", target.pid()));
        String context = result.toString();

        JsonNode l = result.socket(listener).path("options");
        assertTrue(l.path("so_linger").isObject(), "so_linger is an object" + context);
        assertEquals(BooleanNode.TRUE, l.path("so_linger").path("enabled"), context);
        assertEquals(7, l.path("so_linger").path("seconds").asInt(), context);
        assertEquals(2, l.path("so_linger").size(), "so_linger holds enabled and seconds" + context);
        assertEquals(BooleanNode.TRUE, l.path("so_reuseaddr"), context);
        assertEquals(BooleanNode.FALSE, l.path("so_reuseport"), context);
        // The kernel keeps timeouts in jiffies, rounded up: the target's own getsockopt says what it kept.
        assertEquals(ownListener.path("so_rcvtimeo").asLong(), l.path("so_rcvtimeo").asLong(), "so_rcvtimeo" + context);
        assertTrue(l.path("so_rcvtimeo").asLong() >= 1234 && l.path("so_rcvtimeo").asLong() <= 1234 + 10,
                "1234 ms rounded up to whole jiffies" + context);
        assertEquals(ownListener.path("so_sndtimeo").asLong(), l.path("so_sndtimeo").asLong(), "so_sndtimeo" + context);
        assertEquals(ownListener.path("tcp_defer_accept").asLong(), l.path("tcp_defer_accept").asLong(), context);
        assertTrue(l.path("tcp_defer_accept").asLong() > 0, context);

        JsonNode c = result.socket(client).path("options");
        assertEquals(BooleanNode.TRUE, c.path("so_keepalive"), context);
        assertEquals(37, c.path("tcp_keepidle").asInt(), context);
        assertEquals(11, c.path("tcp_keepintvl").asInt(), context);
        assertEquals(4, c.path("tcp_keepcnt").asInt(), context);
        assertEquals(4321, c.path("tcp_user_timeout").asInt(), context);
        assertEquals(BooleanNode.TRUE, c.path("tcp_nodelay"), context);
        assertTrue(c.path("tcp_congestion").isTextual(), "tcp_congestion is a name" + context);
        assertEquals(otherCongestion, c.path("tcp_congestion").asText(), context);
        Ss.SsSocket seenClient = Ss.tcp(target.pid()).byInode(client.inode());
        assertTrue(seenClient.showsCongestionControl(otherCongestion), "ss -i: " + seenClient.details());
        assertTrue(keepaliveTimerShownBySs(target.pid(), client.inode()), "ss -o shows the keepalive timer armed");

        JsonNode s = result.socket(server).path("options");
        assertEquals(BooleanNode.FALSE, s.path("so_keepalive"), "the other end is untouched" + context);
        assertEquals(target.ownOptions(server.fd()).path("tcp_congestion").asText(), s.path("tcp_congestion").asText(), context);
        assertNotEquals(otherCongestion, s.path("tcp_congestion").asText(), context);

        for (TargetSocket socket : target.sockets()) {
            assertEveryOptionMatchesOwnView(result.socket(socket), target.ownOptions(socket.fd()), context);
            assertNoNotes(result.socket(socket), context);
        }
    }

    private static boolean keepaliveTimerShownBySs(long pid, long inode) {
        String out = Commands.run("nsenter", "-t", Long.toString(pid), "-n", "ss", "-H", "-t", "-a", "-n", "-e", "-o")
                .requireSuccess().stdout();
        return out.lines().anyMatch(line -> line.contains("ino:" + inode + " ") && line.contains("timer:(keepalive,"));
    }

    @Test
    void aSocketSharedWithAForkedChildNamesBothOwners() {
        String name = uniqueName("lt-shr-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 9, 4096).withForkedChild());
        TargetSocket listener = target.socket("listener");

        ExecutorResult byCmdline = readable(args("cmdline", target.marker()));
        ExecutorResult byPort = readable(args("protocol", "tcp", "local_port", listener.localPort()));
        for (ExecutorResult result : List.of(byCmdline, byPort)) {
            String context = result.toString();
            assertEquals(1, result.sockets().stream().filter(e -> e.path("inode").asLong() == listener.inode()).count(),
                    "one entry per socket, not per process" + context);
            JsonNode entry = result.socket(listener);
            assertEquals(2, entry.path("owners").size(), "parent and child hold it" + context);
            assertOwnedBy(entry, target.pid(), listener.fd(), name, context);
            assertOwnedBy(entry, target.childPid(), listener.fd(), name, context);
            assertEquals(Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), entry.path("backlog").asLong(), context);
            assertEquals(9, entry.path("backlog").asInt(), context);
            assertEveryOptionMatchesOwnView(entry, target.ownOptions(listener.fd()), context);
            assertEveryOptionMatchesOwnView(entry, target.childOwnOptions(listener.fd()), context);
        }
        assertTrue(byCmdline.msg().contains("in 2 process(es)"), "the message counts both holders" + byCmdline);
    }

    /**
     * The issue: "its owners (every pid/fd/process name that holds it: sockets are shared across
     * fork)". Selecting the parent alone still lists a socket its child holds too.
     */
    @Test
    void ownersNameEveryHolderEvenWhenOnlyTheParentIsSelected() {
        String name = uniqueName("lt-own-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 9, 4096).withForkedChild());
        TargetSocket listener = target.socket("listener");
        ExecutorResult result = readable(args("pid", target.pid()));
        String context = result.toString();
        JsonNode entry = result.socket(listener);
        assertOwnedBy(entry, target.pid(), listener.fd(), name, context);
        assertOwnedBy(entry, target.childPid(), listener.fd(), name,
                "\nthe forked child holds the same socket (/proc/" + target.childPid() + "/fd/" + listener.fd() + ")" + context);
        assertEquals(2, entry.path("owners").size(), context);
    }

    @Test
    void aProcessInItsOwnNetworkNamespaceIsFoundAndRead() {
        assumeTrue(Kernel.isRoot(), "unshare -n needs root");
        String name = uniqueName("lt-ns-");
        TargetProcess target = start(target().named(name).inOwnNetworkNamespace()
                .tcpListener("ipv4", 11, 4096).udp("ipv4", 4096));
        TargetSocket listener = target.socket("listener");
        TargetSocket udp = target.socket("udp");
        String namespace = Kernel.networkNamespaceOf(target.pid());
        assertNotEquals(Kernel.networkNamespaceOf(ProcessHandle.current().pid()), namespace, "setup");
        target.setOwnOptions(listener, Map.of("so_keepalive", 1));

        ExecutorResult byPid = readable(args("pid", target.pid()));
        // No process selector: every process of the host, in whatever namespace it lives.
        ExecutorResult everyProcess = readable(args("local_port", listener.localPort()));
        Ss ss = Ss.tcp(target.pid());
        for (ExecutorResult result : List.of(byPid, everyProcess)) {
            String context = result.toString();
            JsonNode entry = result.socket(listener);
            assertEquals(namespace, entry.path("netns").asText(), "the target's own namespace" + context);
            assertOwnedBy(entry, target.pid(), listener.fd(), name, context);
            assertEquals(11, entry.path("backlog").asInt(), context);
            assertEquals(ss.byInode(listener.inode()).backlog(), entry.path("backlog").asLong(), "vs nsenter ss" + context);
            assertEquals(BooleanNode.TRUE, entry.path("options").path("so_keepalive"), context);
            assertEveryOptionMatchesOwnView(entry, target.ownOptions(listener.fd()), context);
        }
        JsonNode u = byPid.socket(udp);
        assertEquals(namespace, u.path("netns").asText(), byPid.toString());
        assertEveryOptionMatchesOwnView(u, target.ownOptions(udp.fd()), byPid.toString());
    }

    @Test
    void withNoSelectorEverySocketOfEveryProcessIsListedAndFiltersNarrowIt() {
        assumeTrue(ipv6Available(), "IPv6 is disabled on this host");
        String nameA = uniqueName("lt-alla-");
        String nameB = uniqueName("lt-allb-");
        TargetProcess a = start(target().named(nameA).tcpListener("ipv4", 20, 4096).udp("ipv6", 4096));
        TargetProcess b = start(target().named(nameB).tcpPair("ipv4").udp("ipv4", 4096));

        ExecutorResult all = readable(args());
        String context = "\n(" + all.sockets().size() + " sockets listed; msg: " + all.msg() + ")";
        for (TargetProcess target : List.of(a, b)) {
            String name = target == a ? nameA : nameB;
            for (TargetSocket socket : target.sockets()) {
                assertTrue(inodes(all).contains(socket.inode()), socket + " of " + name + " is not listed" + context);
                assertOwnedBy(all.socket(socket), target.pid(), socket.fd(), name, context);
            }
        }
        Matcher counts = Pattern.compile("(\\d+) socket\\(s\\) in (\\d+) process\\(es\\)").matcher(all.msg());
        assertTrue(counts.find(), "msg counts sockets and processes: " + all.msg());
        assertEquals(all.sockets().size(), Integer.parseInt(counts.group(1)), all.msg());
        assertTrue(Integer.parseInt(counts.group(2)) >= 2, all.msg());

        ExecutorResult udp = readable(args("protocol", "udp"));
        assertTrue(udp.sockets().stream().allMatch(e -> e.path("protocol").asText().equals("udp")), "protocol=udp");
        assertTrue(inodes(udp).containsAll(Set.of(a.socket("udp").inode(), b.socket("udp").inode())), "both UDP sockets");
        assertFalse(inodes(udp).contains(a.socket("listener").inode()), "no TCP listener under protocol=udp");

        ExecutorResult v6 = readable(args("family", "ipv6"));
        assertTrue(v6.sockets().stream().allMatch(e -> e.path("family").asText().equals("ipv6")), "family=ipv6");
        assertTrue(inodes(v6).contains(a.socket("udp").inode()), "A's ipv6 UDP socket");
        assertFalse(inodes(v6).contains(b.socket("udp").inode()), "not B's ipv4 UDP socket");

        ExecutorResult listening = readable(args("state", "listen"));
        assertTrue(listening.sockets().stream().allMatch(e -> Set.of("listen", "unconn").contains(e.path("state").asText())),
                "state=listen: listeners and unconnected UDP only");
        assertTrue(inodes(listening).containsAll(Set.of(a.socket("listener").inode(), b.socket("pair_listener").inode(),
                a.socket("udp").inode(), b.socket("udp").inode())), "state=listen");
        assertFalse(inodes(listening).contains(b.socket("client").inode()), "no connection under state=listen");
        assertFalse(inodes(listening).contains(b.socket("server").inode()), "no connection under state=listen");

        int port = a.socket("listener").localPort();
        ExecutorResult byPort = readable(args("local_port", port));
        assertTrue(byPort.sockets().stream().allMatch(e -> e.path("local").asText().endsWith(":" + port)), "local_port");
        assertTrue(inodes(byPort).contains(a.socket("listener").inode()), "local_port " + port);

        TargetSocket client = b.socket("client");
        ExecutorResult narrow = readable(args("protocol", "tcp", "state", "established", "local_port", client.localPort()));
        assertTrue(inodes(narrow).contains(client.inode()), narrow.toString());
        assertTrue(narrow.sockets().stream().allMatch(e -> e.path("state").asText().equals("established")
                && e.path("local").asText().endsWith(":" + client.localPort())), narrow.toString());
    }

    @Test
    void readingChangesNothingAlsoInCheckMode() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).udp("ipv4", 4096).tcpPair("ipv4"));
        List<TargetSocket> sockets = target.sockets();
        Map<Integer, JsonNode> before = sockets.stream().collect(Collectors.toMap(TargetSocket::fd, s -> target.ownOptions(s.fd())));
        long backlogBefore = Ss.tcp(target.pid()).byInode(target.socket("listener").inode()).backlog();

        Map<String, Object> task = args("pid", target.pid());
        for (Map<String, Object> run : List.of(task, with(task, "_check_mode", true),
                with(with(task, "_check_mode", true), "_diff", true))) {
            ExecutorResult result = readable(run);
            String context = result.toString();
            assertEquals(sockets.size(), result.sockets().size(), context);
            for (TargetSocket socket : sockets) {
                assertEveryOptionMatchesOwnView(result.socket(socket), before.get(socket.fd()),
                        "\n(compared with the target's view before any run)" + context);
            }
            assertTrue(!result.hasDiff() || result.diff().isEmpty(), "nothing to diff for a read" + context);
        }
        for (TargetSocket socket : sockets) {
            assertEquals(before.get(socket.fd()), target.ownOptions(socket.fd()), "fd " + socket.fd() + " unchanged");
        }
        assertEquals(backlogBefore, Ss.tcp(target.pid()).byInode(target.socket("listener").inode()).backlog());
    }

    @Test
    void aSocketWhoseOptionsCannotBeReadIsListedWithANoteAndStrictFails() {
        assumeTrue(WithoutPtraceRights.supported(), "needs root on x86_64 or aarch64");
        String name = uniqueName("lt-deny-");
        TargetProcess target = start(target().named(name).withoutPtraceCapability()
                .tcpListener("ipv4", 20, 4096).udp("ipv4", 4096));
        Map<String, Object> task = args("pid", target.pid());
        // With full rights first: it works, and every class the run needs is loaded.
        ExecutorResult allowed = readable(task);
        assertEquals(2, allowed.sockets().size(), allowed::toString);

        ExecutorResult lenient = WithoutPtraceRights.call(() -> socketInfo(task));
        String context = lenient.toString();
        assertFalse(lenient.failed(), "an unreadable socket is a note, not a failure" + context);
        assertEquals(2, lenient.sockets().size(), "both sockets are still listed" + context);
        for (TargetSocket socket : target.sockets()) {
            JsonNode entry = lenient.socket(socket);
            assertOwnedBy(entry, target.pid(), socket.fd(), name, context);
            List<String> notes = texts(entry.path("notes"));
            assertFalse(notes.isEmpty(), "a note says why the options are missing" + context);
            assertTrue(notes.stream().anyMatch(n -> n.contains("not readable")), context);
            assertTrue(entry.path("options").size() == 0, "no option values that could not be read" + context);
        }

        ExecutorResult strict = WithoutPtraceRights.call(() -> socketInfo(with(task, "strict", true)));
        assertTrue(strict.failed(), "strict: true makes an unreadable socket fail the task" + strict);
        assertTrue(strict.msg().contains("pid " + target.pid()), "msg names the process" + strict);
        assertTrue(strict.msg().contains("strict") || strict.msg().toLowerCase().contains("permission"),
                "msg says why" + strict);

        for (TargetSocket socket : target.sockets()) {
            assertEquals(Kernel.receiveBufferReadBack(4096), target.ownOption(socket, "so_rcvbuf"), "target untouched");
        }
    }

    @Test
    void aPidThatIsGoneFailsUnlessMissingIsIgnore() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        long pid = target.pid();
        target.exitAndWait();
        assumeTrue(ProcessHandle.of(pid).isEmpty(), "the pid was reused at once");

        ExecutorResult failing = socketInfo(args("pid", pid));
        assertTrue(failing.failed(), failing::toString);
        assertTrue(failing.msg().contains(Long.toString(pid)), "msg names the pid" + failing);

        ExecutorResult ignored = socketInfo(args("pid", pid, "missing", "ignore"));
        assertFalse(ignored.failed(), ignored::toString);
        assertTrue(ignored.sockets().isEmpty(), ignored::toString);
        assertTrue(ignored.warnings().stream().anyMatch(w -> w.contains(Long.toString(pid))), "a warning names the pid" + ignored);
    }

    @Test
    void aSenderFacingAFullReceiverReportsThatThePeerWindowIsZero() {
        String name = uniqueName("lt-win-");
        // The client end gets a tiny receive buffer and never reads; the server end sends until it cannot.
        TargetProcess target = start(target().named(name).tcpPair("ipv4", 2048));
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        assertTrue(Ss.tcp(target.pid()).byInode(server.inode()).sendWindow() > 0,
                "setup: before sending, ss shows the peer's window open");
        ExecutorResult idle = readable(args("pid", target.pid(), "fd", server.fd()));
        assertFalse(texts(idle.socket(server).path("diagnostics")).contains(PEER_WINDOW_ZERO), idle::toString);

        long sent = target.fill(server);
        assertTrue(sent > 0, "the target sent something");

        ExecutorResult stalled = Await.until(() -> readable(args("pid", target.pid(), "state", "established")),
                r -> texts(r.socket(server).path("diagnostics")).contains(PEER_WINDOW_ZERO)
                        && r.socket(client).path("recv_q").asLong() + r.socket(server).path("send_q").asLong() == sent,
                "the sender reports '" + PEER_WINDOW_ZERO + "' and every byte sent is queued at one end", 20);
        String context = stalled.toString();
        Ss ss = Ss.tcp(target.pid());
        assertEquals(0, ss.byInode(server.inode()).sendWindow(), "ss: the peer's window is 0 (no snd_wnd shown)"
                + "\n" + ss.byInode(server.inode()).details());
        assertEquals(ss.byInode(server.inode()).sendQ(), stalled.socket(server).path("send_q").asLong(), "sender send_q vs ss" + context);
        assertEquals(ss.byInode(client.inode()).recvQ(), stalled.socket(client).path("recv_q").asLong(), "receiver recv_q vs ss" + context);
        assertTrue(stalled.socket(server).path("send_q").asLong() > 0, context);
        assertTrue(stalled.socket(client).path("recv_q").asLong() > 0, context);
        assertFalse(texts(stalled.socket(client).path("diagnostics")).contains(PEER_WINDOW_ZERO),
                "the receiver can still send" + context);
    }

    @Test
    void aConnectionWhoseDataIsNeverAcknowledgedReportsTheStall() {
        assumeTrue(Kernel.isRoot(), "unshare -n and tc need root");
        String name = uniqueName("lt-ack-");
        TargetProcess target = start(target().named(name).inOwnNetworkNamespace().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        String pid = Long.toString(target.pid());
        ExecutorResult idle = readable(args("pid", target.pid(), "fd", client.fd()));
        assertTrue(texts(idle.socket(client).path("diagnostics")).isEmpty(), idle::toString);

        // From now on the target's namespace drops every packet: nothing the client sends is acknowledged.
        Commands.Result blackhole = Commands.run("nsenter", "-t", pid, "-n", "tc", "qdisc", "add", "dev", "lo", "root",
                "blackhole");
        assumeTrue(blackhole.exitStatus() == 0, "tc qdisc blackhole is not available: " + blackhole.stderr());
        target.sendBytes(client, 1000);

        Pattern stall = Pattern.compile("^(\\d+) segment\\(s\\) unacknowledged, no ACK for (\\d+) ms$");
        ExecutorResult stalled = Await.until(() -> readable(args("pid", target.pid(), "fd", client.fd())),
                r -> texts(r.socket(client).path("diagnostics")).stream().anyMatch(d -> stall.matcher(d).matches()),
                "the client reports unacknowledged segments and no ACK for over a second", 15);
        String context = stalled.toString();
        String diagnostic = texts(stalled.socket(client).path("diagnostics")).stream()
                .filter(d -> stall.matcher(d).matches()).findFirst().orElseThrow();
        Matcher m = stall.matcher(diagnostic);
        assertTrue(m.matches());
        assertTrue(Long.parseLong(m.group(2)) > 1000, "no ACK for over a second" + context);
        assertEquals(1000, stalled.socket(client).path("send_q").asLong(), "the 1000 unacknowledged bytes" + context);
        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(client.inode());
        assertEquals(seen.sendQ(), stalled.socket(client).path("send_q").asLong(), "send_q vs ss Send-Q" + context);
        assertTrue(seen.details().contains("unacked:" + m.group(1) + " "), "ss -i unacked vs the diagnostic's count: "
                + seen.details() + context);
    }

    @Test
    void aReceiverThatDoesNotReadReportsThatItsOwnWindowIsZero() {
        String release = Kernel.sysctl("kernel.osrelease");
        Matcher version = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        assumeTrue(version.find() && (Integer.parseInt(version.group(1)) > 6
                || Integer.parseInt(version.group(1)) == 6 && Integer.parseInt(version.group(2)) >= 2),
                "tcpi_rcv_wnd needs Linux 6.2: " + release);
        TargetProcess target = start(target().named(uniqueName("lt-rwin-")).tcpPair("ipv4", 2048));
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        target.fill(server);
        ExecutorResult stalled = Await.until(() -> readable(args("pid", target.pid(), "fd", client.fd())),
                r -> texts(r.socket(client).path("diagnostics")).contains(OUR_WINDOW_ZERO),
                "the receiver reports '" + OUR_WINDOW_ZERO + "'", 20);
        assertFalse(texts(stalled.socket(client).path("diagnostics")).contains(PEER_WINDOW_ZERO), stalled::toString);
    }
}
