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

@Tag(Executor.EVERY_METHOD)
class ShortFormAndRawTest extends LiveProcessTest {
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;

    @Test
    void optionAndValueIsTheShortFormOfOptions() {
        TargetProcess target = start(target().udp("ipv4", 4096));
        TargetSocket udp = target.socket("udp");
        Map<String, Object> task = args("pid", target.pid(), "option", "so_rcvbuf", "value", 65536);

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(Kernel.receiveBufferReadBack(65536), target.ownOption(udp, "so_rcvbuf"), first::toString);
        assertEquals(Kernel.receiveBufferReadBack(65536), first.socket(udp).path("after").path("so_rcvbuf").asInt(),
                first::toString);
        assertFalse(Executor.socketOption(task).changed(), "second run");
    }

    @Test
    void shortFormValueGivenAsAnAdHocString() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        ExecutorResult result = Executor.socketOption(args("pid", target.pid(), "fd", Integer.toString(client.fd()),
                "option", "tcp_nodelay", "value", "yes"));
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), result::toString);
        assertEquals(1, target.ownOption(client, "tcp_nodelay"), result::toString);
        assertEquals(0, target.ownOption(target.socket("server"), "tcp_nodelay"), result::toString);
    }

    @Test
    void rawEntrySetsAnyIntegerOptionByLevelAndOptname() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        Map<String, Object> task = args("pid", target.pid(), "fd", client.fd(),
                "raw", List.of(Map.of("level", SOL_SOCKET, "optname", SO_KEEPALIVE, "value", 1)));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(1, target.ownOption(client, "so_keepalive"), first::toString);
        assertEquals(0, target.ownOption(target.socket("server"), "so_keepalive"), first::toString);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "a raw entry already in force is unchanged" + second);
    }
}
