package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job: a hard-coded listen(fd, 20) and SO_RCVBUF 4096, raised live. */
@Tag(Executor.EVERY_METHOD)
class ListenerTest extends LiveProcessTest {

    @Test
    void raisesBacklogAndReceiveBufferOfARunningListenerThenASecondRunChangesNothing() throws Exception {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "setup: ss Send-Q");
        assertEquals(8192, target.ownOption(listener, "so_rcvbuf"), "setup: the target's own SO_RCVBUF");

        int expectedBacklog = Kernel.backlogInForce(4096);
        int expectedReceiveBuffer = Kernel.receiveBufferReadBack(1048576);
        Map<String, Object> task = args("pid", target.pid(), "state", "listen", "local_port", listener.localPort(),
                "backlog", 4096, "options", Map.of("so_rcvbuf", 1048576));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);

        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(listener.inode());
        assertEquals(expectedBacklog, seen.backlog(), "ss Send-Q (the backlog in force)" + first);
        assertEquals(expectedReceiveBuffer, seen.receiveBuffer(), "ss skmem rb" + first);
        assertEquals(expectedReceiveBuffer, target.ownOption(listener, "so_rcvbuf"), "the target's own SO_RCVBUF");

        JsonNode entry = first.socket(listener);
        assertEquals(target.pid(), entry.path("pid").asLong(), first::toString);
        assertEquals(listener.fd(), entry.path("fd").asInt(), first::toString);
        assertEquals("tcp", entry.path("protocol").asText(), first::toString);
        assertEquals("ipv4", entry.path("family").asText(), first::toString);
        assertEquals("listen", entry.path("state").asText(), first::toString);
        assertEquals("127.0.0.1:" + listener.localPort(), entry.path("local").asText(), first::toString);
        assertTrue(entry.path("changed").asBoolean(), first::toString);
        assertEquals(20, entry.path("before").path("backlog").asInt(), first::toString);
        assertEquals(8192, entry.path("before").path("so_rcvbuf").asInt(), first::toString);
        assertEquals(expectedBacklog, entry.path("after").path("backlog").asInt(), first::toString);
        assertEquals(expectedReceiveBuffer, entry.path("after").path("so_rcvbuf").asInt(), first::toString);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "the same task again must be unchanged" + second);
        JsonNode again = second.socket(listener);
        assertFalse(again.path("changed").asBoolean(), second::toString);
        assertEquals(again.path("before"), again.path("after"), second::toString);
        assertEquals(expectedReceiveBuffer, again.path("before").path("so_rcvbuf").asInt(), second::toString);
        assertEquals(expectedBacklog, again.path("before").path("backlog").asInt(), second::toString);

        // The listener still accepts connections after listen(2) was called again on its duplicate.
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", listener.localPort()), 5000);
            assertTrue(client.isConnected());
        }
    }

    @Test
    void backlogAboveSomaxconnIsCappedWithAWarningNamingTheSysctlAndIsThenUnchanged() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        int requested = Kernel.somaxconn() + 1000;
        Map<String, Object> task = args("pid", target.pid(), "state", "listen", "backlog", requested);

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(Kernel.somaxconn(), Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), first::toString);
        assertEquals(Kernel.somaxconn(), first.socket(listener).path("after").path("backlog").asInt(), first::toString);
        assertTrue(first.warnings().stream().anyMatch(w -> w.contains("net.core.somaxconn")),
                "a warning naming net.core.somaxconn" + first);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "a capped backlog must not be re-applied every run" + second);
    }
}
