package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag(Executor.EVERY_METHOD)
class Ipv6Test extends LiveProcessTest {

    @Test
    void familyFilterChangesOnlyTheIpv6ListenerThenOnlyTheIpv4One() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).tcpListener("ipv6", 20, 4096));
        TargetSocket v4 = target.sockets("listener").get(0);
        TargetSocket v6 = target.sockets("listener").get(1);
        assertEquals("ipv6", v6.family());

        ExecutorResult v6run = Executor.socketOption(args("pid", target.pid(), "family", "ipv6", "state", "listen",
                "backlog", 128, "options", Map.of("so_rcvbuf", 65536)));
        assertFalse(v6run.failed(), v6run::toString);
        assertTrue(v6run.changed(), v6run::toString);
        assertEquals(1, v6run.sockets().size(), v6run::toString);
        assertEquals("ipv6", v6run.socket(v6).path("family").asText(), v6run::toString);
        assertTrue(v6run.socket(v6).path("local").asText().contains("::1"), v6run::toString);

        Ss table = Ss.tcp(target.pid());
        assertEquals(128, table.byInode(v6.inode()).backlog(), "ipv6 listener backlog" + v6run);
        assertEquals(Kernel.receiveBufferReadBack(65536), target.ownOption(v6, "so_rcvbuf"));
        assertEquals(20, table.byInode(v4.inode()).backlog(), "the ipv4 listener must be untouched" + v6run);
        assertEquals(8192, target.ownOption(v4, "so_rcvbuf"), "the ipv4 listener must be untouched");

        ExecutorResult v4run = Executor.socketOption(args("pid", target.pid(), "family", "ipv4", "state", "listen",
                "backlog", 256));
        assertFalse(v4run.failed(), v4run::toString);
        assertEquals(1, v4run.sockets().size(), v4run::toString);
        table = Ss.tcp(target.pid());
        assertEquals(256, table.byInode(v4.inode()).backlog(), v4run::toString);
        assertEquals(128, table.byInode(v6.inode()).backlog(), "the ipv6 listener keeps its backlog" + v4run);
    }

    @Test
    void localAddressSelectsTheListenerBoundToIt() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).tcpListener("ipv6", 20, 4096));
        TargetSocket v4 = target.sockets("listener").get(0);
        TargetSocket v6 = target.sockets("listener").get(1);

        ExecutorResult v6run = Executor.socketOption(args("pid", target.pid(), "local_address", "::1",
                "backlog", 64));
        assertFalse(v6run.failed(), v6run::toString);
        assertEquals(1, v6run.sockets().size(), v6run::toString);
        v6run.socket(v6);
        ExecutorResult v4run = Executor.socketOption(args("pid", target.pid(), "local_address", "127.0.0.1",
                "backlog", 32));
        assertFalse(v4run.failed(), v4run::toString);
        assertEquals(1, v4run.sockets().size(), v4run::toString);
        v4run.socket(v4);

        Ss table = Ss.tcp(target.pid());
        assertEquals(64, table.byInode(v6.inode()).backlog(), v6run.toString() + v4run);
        assertEquals(32, table.byInode(v4.inode()).backlog(), v6run.toString() + v4run);
    }
}
