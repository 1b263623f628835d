package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each process selector picks exactly its targets; a bystander target is never touched. */
@Tag(Executor.EVERY_METHOD)
class ProcessSelectorTest extends LiveProcessTest {
    private static final int REQUESTED = 65536;

    @TempDir
    Path tempDir;

    private static Map<String, Object> raiseReceiveBuffer(Object... selector) {
        Map<String, Object> task = args(selector);
        task.put("options", Map.of("so_rcvbuf", REQUESTED));
        return task;
    }

    private TargetProcess listenerTarget() {
        return start(target().tcpListener("ipv4", 20, 4096));
    }

    private static String randomProcessName() {
        return "ltit" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static void assertRaised(TargetProcess target, ExecutorResult result) {
        TargetSocket listener = target.socket("listener");
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), target.ownOption(listener, "so_rcvbuf"),
                "pid " + target.pid() + " must be changed" + result);
        assertEquals(target.pid(), result.socket(listener).path("pid").asLong(), result::toString);
    }

    private static void assertUntouched(TargetProcess bystander, ExecutorResult result) {
        assertEquals(8192, bystander.ownOption(bystander.socket("listener"), "so_rcvbuf"),
                "pid " + bystander.pid() + " was not selected and must be untouched" + result);
    }

    private static ExecutorResult succeeded(ExecutorResult result) {
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), result::toString);
        return result;
    }

    @Test
    void pidListSelectsEveryListedProcess() {
        TargetProcess a = listenerTarget();
        TargetProcess b = listenerTarget();
        TargetProcess bystander = listenerTarget();
        ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("pid", List.of(a.pid(), b.pid()))));
        assertEquals(2, result.sockets().size(), result::toString);
        assertRaised(a, result);
        assertRaised(b, result);
        assertUntouched(bystander, result);
    }

    @Test
    void pidfileSelectsThePidWrittenInIt() throws Exception {
        TargetProcess target = listenerTarget();
        TargetProcess bystander = listenerTarget();
        Path pidfile = tempDir.resolve("target.pid");
        Files.writeString(pidfile, target.pid() + "\n");
        ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("pidfile", pidfile.toString())));
        assertRaised(target, result);
        assertUntouched(bystander, result);
    }

    @Test
    void processIsARegexThatMustMatchTheWholeProcessName() {
        String name = randomProcessName();
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 20, 4096));
        TargetProcess bystander = start(target().named(randomProcessName()).tcpListener("ipv4", 20, 4096));

        ExecutorResult partial = Executor.socketOption(raiseReceiveBuffer("process", name.substring(0, name.length() - 2)));
        assertTrue(partial.failed(), "a regex matching only part of the name selects nothing" + partial);
        assertFalse(partial.changed(), partial::toString);
        assertUntouched(target, partial);

        ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("process", name.substring(0, name.length() - 2) + "[0-9a-f]{2}")));
        assertRaised(target, result);
        assertUntouched(bystander, result);
    }

    @Test
    void cmdlineIsARegexSearchedInTheFullCommandLine() {
        TargetProcess target = listenerTarget();
        TargetProcess bystander = listenerTarget();
        String part = target.marker().substring("livetune-it-".length()).replace("-", ".");
        ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("cmdline", part)));
        assertEquals(1, result.sockets().size(), result::toString);
        assertRaised(target, result);
        assertUntouched(bystander, result);
    }

    @Test
    void unitSelectsTheProcessesInTheUnitsCgroup() throws Exception {
        TargetProcess target = listenerTarget();
        TargetProcess bystander = listenerTarget();
        String unit = "livetune-it-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        try (SystemdUnitCgroup cgroup = SystemdUnitCgroup.create(unit)) {
            cgroup.addProcess(target.pid());
            ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("unit", unit)));
            assertEquals(1, result.sockets().size(), result::toString);
            assertRaised(target, result);
            assertUntouched(bystander, result);
        }
    }

    @Test
    void fdSelectsOnlyThatDescriptor() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).tcpListener("ipv4", 20, 4096));
        TargetSocket first = target.sockets("listener").get(0);
        TargetSocket second = target.sockets("listener").get(1);
        ExecutorResult result = succeeded(Executor.socketOption(raiseReceiveBuffer("pid", target.pid(), "fd", second.fd())));
        assertEquals(1, result.sockets().size(), result::toString);
        result.socket(second);
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), target.ownOption(second, "so_rcvbuf"));
        assertEquals(8192, target.ownOption(first, "so_rcvbuf"), "the other descriptor must be untouched");
    }
}
