package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener shared by a parent and its forked child (a pre-fork server): one socket, listed once. */
@Tag(Executor.EVERY_METHOD)
class SharedSocketTest extends LiveProcessTest {

    private void assertChangedOnceAndSeenByBoth(TargetProcess target, Map<String, Object> task) {
        TargetSocket listener = target.socket("listener");
        int expected = Kernel.receiveBufferReadBack(65536);

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(1, first.sockets().size(), "one entry per socket inode, not per process" + first);
        assertTrue(first.socket(listener).path("changed").asBoolean(), first::toString);
        assertEquals(expected, target.ownOptions(listener.fd()).get("so_rcvbuf").asInt(), "parent's view" + first);
        assertEquals(expected, target.childOwnOptions(listener.fd()).get("so_rcvbuf").asInt(), "child's view" + first);
        assertEquals(Kernel.backlogInForce(512), Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), first::toString);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), second::toString);
    }

    @Test
    void selectedByBothPidsTheSharedListenerIsChangedOnce() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).withForkedChild());
        assertChangedOnceAndSeenByBoth(target, args("pid", List.of(target.pid(), target.childPid()),
                "backlog", 512, "options", Map.of("so_rcvbuf", 65536)));
    }

    @Test
    void selectedByACmdlineBothProcessesShareTheListenerIsChangedOnce() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).withForkedChild());
        assertChangedOnceAndSeenByBoth(target, args("cmdline", target.marker(),
                "backlog", 512, "options", Map.of("so_rcvbuf", 65536)));
    }
}
