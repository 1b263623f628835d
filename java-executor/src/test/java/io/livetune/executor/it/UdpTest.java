package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag(Executor.EVERY_METHOD)
class UdpTest extends LiveProcessTest {

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void raisesTheReceiveBufferOfABoundUdpSocket(String family) {
        TargetProcess target = start(target().udp(family, 4096));
        TargetSocket udp = target.socket("udp");
        int expected = Kernel.receiveBufferReadBack(262144);
        Map<String, Object> task = args("pid", target.pid(), "protocol", "udp", "local_port", udp.localPort(),
                "options", Map.of("so_rcvbuf", 262144));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        JsonNode entry = first.socket(udp);
        assertEquals("udp", entry.path("protocol").asText(), first::toString);
        assertEquals(family, entry.path("family").asText(), first::toString);
        assertEquals(8192, entry.path("before").path("so_rcvbuf").asInt(), first::toString);
        assertEquals(expected, entry.path("after").path("so_rcvbuf").asInt(), first::toString);
        assertEquals(expected, target.ownOption(udp, "so_rcvbuf"), "the target's own SO_RCVBUF" + first);
        assertEquals(expected, Ss.udp(target.pid()).byInode(udp.inode()).receiveBuffer(), "ss skmem rb" + first);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), second::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void tcpNodelayOnUdpFailsNamingTheOptionAndChangesNothing(String family) {
        TargetProcess target = start(target().udp(family, 4096));
        TargetSocket udp = target.socket("udp");
        JsonNode before = target.ownOptions(udp.fd());
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("so_rcvbuf", 262144); // valid on its own: must not be applied either
        options.put("tcp_nodelay", true);

        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "protocol", "udp", "options", options));
        assertTrue(run.failed(), run::toString);
        assertFalse(run.changed(), run::toString);
        assertTrue(run.msg().contains("tcp_nodelay"), "msg names the option" + run);
        assertTrue(run.msg().toLowerCase().contains("udp"), "msg says UDP sockets do not take it" + run);
        assertEquals(before, target.ownOptions(udp.fd()), "nothing changed" + run);
        assertEquals(8192, Ss.udp(target.pid()).byInode(udp.inode()).receiveBuffer(), "ss: nothing changed" + run);
    }
}
