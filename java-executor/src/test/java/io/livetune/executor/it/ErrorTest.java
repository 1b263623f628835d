package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Every error: failed=true, a clear msg naming the field or the process, and nothing changed. */
@Tag(Executor.EVERY_METHOD)
class ErrorTest extends LiveProcessTest {

    private static ExecutorResult assertFailed(ExecutorResult result) {
        assertTrue(result.failed(), result::toString);
        assertFalse(result.changed(), result::toString);
        return result;
    }

    private static void assertMsgContains(ExecutorResult result, String... parts) {
        for (String part : parts) {
            assertTrue(result.msg().contains(part), "msg should contain '" + part + "'" + result);
        }
    }

    /** A target with one listener, and the target's own view of it before the failed run. */
    private record Victim(TargetProcess target, TargetSocket listener, JsonNode before) {
        void assertUntouched(ExecutorResult result) {
            assertEquals(before, target.ownOptions(listener.fd()), "a failed run must change nothing" + result);
            assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "backlog" + result);
        }
    }

    private Victim victim() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        return new Victim(target, listener, target.ownOptions(listener.fd()));
    }

    @Test
    void noSuchProcess() {
        assumeFalse(Files.exists(Path.of("/proc/999999")), "pid 999999 exists here");
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", 999999, "options", Map.of("so_rcvbuf", 65536))));
        assertMsgContains(result, "999999");
    }

    @Test
    void aPidThatHasExitedBeforeTheRun() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        long pid = target.pid();
        target.exitAndWait();
        assumeFalse(Files.exists(Path.of("/proc", Long.toString(pid))), "pid reused already");
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", pid, "options", Map.of("so_rcvbuf", 65536))));
        assertMsgContains(result, Long.toString(pid));
    }

    @Test
    void unknownOptionSuggestsTheNearestName() {
        Victim victim = victim();
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("so_sndbuf", 65536);
        options.put("so_rcvbf", 65536);
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", victim.target().pid(), "options", options)));
        assertMsgContains(result, "so_rcvbf", "so_rcvbuf");
        victim.assertUntouched(result);
    }

    @Test
    void wrongTypeNamesTheField() {
        Victim victim = victim();
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", victim.target().pid(),
                "backlog", 4096, "options", Map.of("so_rcvbuf", "big"))));
        assertMsgContains(result, "options.so_rcvbuf");
        victim.assertUntouched(result);
    }

    @Test
    void negativeBufferSizeIsOutOfRange() {
        Victim victim = victim();
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", victim.target().pid(),
                "backlog", 4096, "options", Map.of("so_rcvbuf", -1))));
        assertMsgContains(result, "options.so_rcvbuf");
        victim.assertUntouched(result);
    }

    @Test
    void ipTtlAbove255IsOutOfRange() {
        Victim victim = victim();
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", victim.target().pid(),
                "backlog", 4096, "options", Map.of("ip_ttl", 300))));
        assertMsgContains(result, "options.ip_ttl");
        victim.assertUntouched(result);
    }

    @Test
    void nothingMatchedFailsUnlessMissingIsIgnore() {
        Victim victim = victim();
        int unusedPort = 1; // tcpmux: the target holds no such socket
        ExecutorResult strict = assertFailed(Executor.socketOption(args("pid", victim.target().pid(),
                "local_port", unusedPort, "options", Map.of("so_rcvbuf", 65536))));
        victim.assertUntouched(strict);

        ExecutorResult lenient = Executor.socketOption(args("pid", victim.target().pid(),
                "local_port", unusedPort, "missing", "ignore", "options", Map.of("so_rcvbuf", 65536)));
        assertFalse(lenient.failed(), lenient::toString);
        assertFalse(lenient.changed(), lenient::toString);
        assertTrue(lenient.sockets().isEmpty(), lenient::toString);
        victim.assertUntouched(lenient);
    }

    @Test
    void twoProcessSelectorsAtOnce() {
        Victim victim = victim();
        ExecutorResult result = assertFailed(Executor.socketOption(args("pid", victim.target().pid(),
                "process", "python3", "options", Map.of("so_rcvbuf", 65536))));
        assertTrue(result.msg().toLowerCase().contains("exactly one"), "msg says exactly one" + result);
        victim.assertUntouched(result);
    }

    @Test
    void adHocStringValuesAreConvertedByTheSchemaType() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        ExecutorResult result = Executor.socketOption(args("pid", Long.toString(target.pid()),
                "local_port", Integer.toString(listener.localPort()), "backlog", "256", "force", "yes",
                "options", Map.of("so_rcvbuf", 65536)));
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), result::toString);
        assertEquals(256, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), result::toString);
        assertEquals(2 * 65536, target.ownOption(listener, "so_rcvbuf"), result::toString);
    }

    @Test
    void adHocCommaListOfPidsAndOptionsAsAJsonString() {
        TargetProcess a = start(target().tcpListener("ipv4", 20, 4096));
        TargetProcess b = start(target().tcpListener("ipv4", 20, 4096));
        ExecutorResult result = Executor.socketOption(args("pid", a.pid() + "," + b.pid(),
                "options", "{\"so_rcvbuf\": 65536}"));
        assertFalse(result.failed(), result::toString);
        assertEquals(2, result.sockets().size(), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(65536), a.ownOption(a.socket("listener"), "so_rcvbuf"));
        assertEquals(Kernel.receiveBufferReadBack(65536), b.ownOption(b.socket("listener"), "so_rcvbuf"));
    }
}
