package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A process in a network namespace of its own (a container's view): found through /proc/PID/net. */
@Tag(Executor.EVERY_METHOD)
class NetworkNamespaceTest extends LiveProcessTest {

    @Test
    void changesTheSocketsOfAProcessInItsOwnNetworkNamespace() {
        assumeTrue(Kernel.isRoot(), "unshare -n needs root");
        TargetProcess target = start(target().inOwnNetworkNamespace()
                .tcpListener("ipv4", 20, 4096).tcpPair("ipv4"));
        TargetSocket listener = target.socket("listener");
        TargetSocket client = target.socket("client");
        assertNotEquals(Kernel.networkNamespaceOf(ProcessHandle.current().pid()), Kernel.networkNamespaceOf(target.pid()),
                "setup: the target must be in another network namespace");
        assertTrue(Ss.tcpInOwnNamespace().findByInode(listener.inode()).isEmpty(),
                "setup: the listener must not be visible in the test's own namespace");
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog());

        ExecutorResult listen = Executor.socketOption(args("pid", target.pid(), "state", "listen",
                "local_port", listener.localPort(), "backlog", 512, "options", Map.of("so_rcvbuf", 65536)));
        assertFalse(listen.failed(), listen::toString);
        assertTrue(listen.changed(), listen::toString);
        assertEquals(1, listen.sockets().size(), listen::toString);
        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(listener.inode());
        assertEquals(512, seen.backlog(), "nsenter ss Send-Q" + listen);
        assertEquals(Kernel.receiveBufferReadBack(65536), seen.receiveBuffer(), "nsenter ss skmem rb" + listen);
        assertEquals(Kernel.receiveBufferReadBack(65536), target.ownOption(listener, "so_rcvbuf"));

        ExecutorResult established = Executor.socketOption(args("pid", target.pid(), "state", "established",
                "remote_port", client.remotePort(), "options", Map.of("tcp_nodelay", true)));
        assertFalse(established.failed(), established::toString);
        assertEquals(1, established.sockets().size(), established::toString);
        established.socket(client);
        assertEquals(1, target.ownOption(client, "tcp_nodelay"));
        assertEquals(0, target.ownOption(target.socket("server"), "tcp_nodelay"));
    }
}
