package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** TCP options on established connections; both ends are held by the target. */
@Tag(Executor.EVERY_METHOD)
class EstablishedConnectionTest extends LiveProcessTest {

    /** A congestion control the kernel offers that the socket does not use now. */
    private static String anotherCongestionControl(String current) {
        List<String> available = Kernel.availableCongestionControls();
        for (String preferred : List.of("reno", "cubic")) {
            if (available.contains(preferred) && !preferred.equals(current)) {
                return preferred;
            }
        }
        return available.stream().filter(c -> !c.equals(current)).findFirst()
                .orElseThrow(() -> new org.opentest4j.TestAbortedException("only one congestion control available"));
    }

    @Test
    void setsKeepaliveAndTcpOptionsOnTheClientEndSelectedByRemotePort() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");
        JsonNode serverBefore = target.ownOptions(server.fd());
        String congestion = anotherCongestionControl(target.ownOptions(client.fd()).get("tcp_congestion").asText());

        Map<String, Object> options = new LinkedHashMap<>();
        options.put("so_keepalive", true);
        options.put("tcp_nodelay", true);
        options.put("tcp_keepidle", 60);
        options.put("tcp_keepintvl", 10);
        options.put("tcp_keepcnt", 5);
        options.put("tcp_user_timeout", 30000);
        options.put("tcp_congestion", congestion);
        options.put("so_linger", Map.of("enabled", true, "seconds", 5));
        options.put("ip_tos", 16);
        Map<String, Object> task = args("pid", target.pid(), "protocol", "tcp", "state", "established",
                "remote_port", client.remotePort(), "options", options);

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(1, first.sockets().size(), "only the client end has that remote port" + first);
        JsonNode entry = first.socket(client);
        assertEquals("established", entry.path("state").asText(), first::toString);
        assertTrue(entry.path("changed").asBoolean(), first::toString);

        JsonNode clientNow = target.ownOptions(client.fd());
        assertEquals(1, clientNow.get("so_keepalive").asInt(), "so_keepalive " + clientNow + first);
        assertEquals(1, clientNow.get("tcp_nodelay").asInt(), "tcp_nodelay " + clientNow + first);
        assertEquals(60, clientNow.get("tcp_keepidle").asInt(), "tcp_keepidle " + clientNow + first);
        assertEquals(10, clientNow.get("tcp_keepintvl").asInt(), "tcp_keepintvl " + clientNow + first);
        assertEquals(5, clientNow.get("tcp_keepcnt").asInt(), "tcp_keepcnt " + clientNow + first);
        assertEquals(30000, clientNow.get("tcp_user_timeout").asInt(), "tcp_user_timeout " + clientNow + first);
        assertEquals(congestion, clientNow.get("tcp_congestion").asText(), "tcp_congestion " + clientNow + first);
        assertTrue(clientNow.get("so_linger").get("enabled").asBoolean(), "so_linger " + clientNow + first);
        assertEquals(5, clientNow.get("so_linger").get("seconds").asInt(), "so_linger " + clientNow + first);
        assertEquals(16, clientNow.get("ip_tos").asInt(), "ip_tos " + clientNow + first);
        assertTrue(Ss.tcp(target.pid()).byInode(client.inode()).showsCongestionControl(congestion),
                "ss -i shows " + congestion);

        JsonNode serverNow = target.ownOptions(server.fd());
        assertEquals(serverBefore, serverNow, "the server end was not selected and must be untouched" + first);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "the same task again must be unchanged" + second);
    }

    @Test
    void localPortWithStateEstablishedSelectsTheAcceptedEndButNotTheListener() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket listener = target.socket("pair_listener");
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");

        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "state", "established",
                "local_port", listener.localPort(), "options", Map.of("tcp_nodelay", true)));
        assertFalse(run.failed(), run::toString);
        assertTrue(run.changed(), run::toString);
        assertEquals(1, run.sockets().size(), run::toString);
        run.socket(server);
        assertEquals(1, target.ownOption(server, "tcp_nodelay"));
        assertEquals(0, target.ownOption(client, "tcp_nodelay"), "client (local port differs) must be untouched");
        assertEquals(0, target.ownOption(listener, "tcp_nodelay"), "listener (state listen) must be untouched");
    }

    @Test
    void localPortWithStateAnySelectsTheListenerAndTheAcceptedEnd() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket listener = target.socket("pair_listener");
        TargetSocket client = target.socket("client");
        TargetSocket server = target.socket("server");

        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "local_port", listener.localPort(),
                "options", Map.of("so_priority", 3)));
        assertFalse(run.failed(), run::toString);
        assertEquals(2, run.sockets().size(), run::toString);
        assertEquals("listen", run.socket(listener).path("state").asText(), run::toString);
        assertEquals("established", run.socket(server).path("state").asText(), run::toString);
        assertEquals(3, target.ownOption(listener, "so_priority"));
        assertEquals(3, target.ownOption(server, "so_priority"));
        assertEquals(0, target.ownOption(client, "so_priority"), "client must be untouched");
    }

    @Test
    void raisingTheReceiveBufferOfAConnectionOpenedWithoutWindowScalingWarnsAboutTheWindowScale() {
        TargetProcess target = start(target().tcpPair("ipv4", 4096));
        TargetSocket client = target.socket("client");
        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(client.inode());
        assumeTrue(seen.receiveWindowScale().orElse(-1) == 0,
                "setup: the client should have agreed receive window scale 0: " + seen.details());

        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "fd", client.fd(),
                "options", Map.of("so_rcvbuf", 1048576)));
        assertFalse(run.failed(), run::toString);
        assertTrue(run.changed(), run::toString);
        assertEquals(Kernel.receiveBufferReadBack(1048576), target.ownOption(client, "so_rcvbuf"));
        assertTrue(run.warnings().stream().anyMatch(w -> w.toLowerCase().matches("(?s).*window.?scal.*")),
                "a warning that the window scale limits the effect" + run);
    }
}
