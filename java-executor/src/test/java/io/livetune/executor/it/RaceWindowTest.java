package io.livetune.executor.it;

import static io.livetune.executor.it.Executor.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.sockets.VisitMoments;
import io.livetune.executor.sockets.VisitMoments.Moment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every window in which a busy server can close or replace a connection while socket_option
 * works on it, forced at the exact moment (through {@link VisitMoments}) on every run, with
 * each access method: the socket is left alone with one warning, never counted as changed,
 * never reported as the kernel refusing a value, and the task does not fail; the other
 * connection is changed (checked with the target's own getsockopt); a socket that took the
 * descriptor number is not touched.
 */
class RaceWindowTest extends LiveProcessTest {
    private static final int KEEPIDLE = 77;

    @TempDir
    Path dir;

    @AfterEach
    void removeListener() {
        VisitMoments.install(null);
    }

    /** The server ends of both connections: their local port is the listener's. */
    private static Map<String, Object> task(RaceTarget target, String method, Object... more) {
        Map<String, Object> task = args("pid", target.process.pid(), "protocol", "tcp", "state", "established",
                "local_port", target.port, "method", method,
                "options", Map.of("so_keepalive", true, "tcp_keepidle", KEEPIDLE));
        for (int i = 0; i < more.length; i += 2) {
            task.put((String) more[i], more[i + 1]);
        }
        return task;
    }

    /** Makes the target run {@code command} on the victim the {@code nth} time {@code moment} is reached for it. */
    private static void at(Moment moment, int nth, RaceTarget target, String command) {
        AtomicInteger seen = new AtomicInteger();
        String[] answer = new String[1];
        VisitMoments.install((reached, pid, fd) -> {
            if (reached == moment && pid == target.process.pid() && fd == target.victim
                    && seen.incrementAndGet() == nth) {
                answer[0] = target.command(command + " " + fd);
            }
        });
    }

    /** so_keepalive, which the kernel takes, then a congestion control it does not have: in that order. */
    private static Map<String, Object> keepaliveThenRefused() {
        Map<String, Object> options = new java.util.LinkedHashMap<>();
        options.put("so_keepalive", true);
        options.put("tcp_congestion", "no_such_algo");
        return options;
    }

    private static void assertLeftAloneAndOtherChanged(RaceTarget target, ExecutorResult result, String reason) {
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), "the other connection was changed" + result);
        JsonNode vanished = result.json().path("vanished");
        assertEquals(1, vanished.size(), "one socket went away" + result);
        assertEquals(target.victim, vanished.path(0).path("fd").asInt(), result::toString);
        assertTrue(vanished.path(0).path("reason").asText().contains(reason), "reason names '" + reason + "'" + result);
        assertEquals(1, result.sockets().size(), "only the socket still held is listed" + result);
        assertEquals(target.other, result.sockets().get(0).path("fd").asInt(), result::toString);
        assertTrue(result.sockets().get(0).path("changed").asBoolean(), result::toString);
        assertEquals(1, result.warnings().stream().filter(w -> w.contains("went away")).count(),
                "exactly one warning names the vanished socket" + result);
        assertFalse(result.msg().contains("refused"), "a vanished socket is not a refusal" + result);
        assertEquals("keepalive 1 keepidle " + KEEPIDLE, target.options(target.other),
                "the target's own getsockopt of the connection still held" + result);
    }

    /**
     * Each window: the target closes (or replaces) the victim the nth time livetune reaches a
     * moment for it; the first time is the read pass, the second the set pass.
     */
    @ParameterizedTest(name = "{0}: {2} at {1} #{3}")
    @CsvSource({
        "pidfd,  BEFORE_OPEN, CLOSE,   1, was closed while livetune was reading",
        "ptrace, BEFORE_OPEN, CLOSE,   1, was closed while livetune was reading",
        "pidfd,  BEFORE_OPEN, REPLACE, 1, now holds another socket",
        "ptrace, BEFORE_OPEN, REPLACE, 1, now holds another socket",
        "pidfd,  AFTER_OPEN,  CLOSE,   1, was closed while livetune was reading",
        "ptrace, AFTER_OPEN,  CLOSE,   1, was closed while livetune was reading",
        "pidfd,  BEFORE_OPEN, CLOSE,   2, was closed while livetune was changing",
        "ptrace, BEFORE_OPEN, CLOSE,   2, was closed while livetune was changing",
        "pidfd,  AFTER_OPEN,  CLOSE,   2, was closed while livetune was changing",
        "ptrace, AFTER_OPEN,  CLOSE,   2, was closed while livetune was changing",
        "pidfd,  AFTER_OPEN,  REPLACE, 2, now holds another socket",
        "ptrace, AFTER_OPEN,  REPLACE, 2, now holds another socket",
    })
    void aSocketThatGoesAwayIsLeftAloneAndTheOtherChanged(String method, Moment moment, String command, int nth,
            String reason) throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            at(moment, nth, target, command);
            ExecutorResult result = Executor.socketOption(task(target, method));
            assertLeftAloneAndOtherChanged(target, result, reason);
            if (command.equals("REPLACE")) {
                assertEquals("keepalive 0 keepidle 7200", target.options(target.victim),
                        "the socket that took the descriptor number keeps its defaults" + result);
                assertEquals("linger 1 5", target.command("LINGER " + target.victim),
                        "the socket that took the descriptor number keeps its own lingering" + result);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void aRefusalOnASocketThatWentAwayIsNotAFailureAndTheNewSocketIsNotTouched(String method) throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            // so_keepalive goes in, tcp_congestion is refused, so_keepalive is rolled back: all on a
            // socket the target replaced meanwhile
            at(Moment.AFTER_OPEN, 2, target, "REPLACE");
            Map<String, Object> task = args("pid", target.process.pid(), "fd", target.victim, "method", method,
                    "options", keepaliveThenRefused());
            ExecutorResult result = Executor.socketOption(task);
            assertFalse(result.failed(), "a socket that went away is no refusal" + result);
            assertFalse(result.changed(), result::toString);
            assertEquals(1, result.json().path("vanished").size(), result::toString);
            assertEquals("keepalive 0 keepidle 7200", target.options(target.victim),
                    "the new socket at that descriptor is untouched" + result);
            assertEquals("linger 1 5", target.command("LINGER " + target.victim),
                    "the new socket keeps its own lingering" + result);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void aRefusalOnASocketStillHeldFailsWithTheKernelsReason(String method) throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            Map<String, Object> task = args("pid", target.process.pid(), "fd", target.victim, "method", method,
                    "options", keepaliveThenRefused());
            ExecutorResult result = Executor.socketOption(task);
            assertTrue(result.failed(), result::toString);
            assertTrue(result.msg().contains("tcp_congestion: the kernel refused"), result::toString);
            assertTrue(result.msg().contains("put back"), "the value already set was rolled back" + result);
            assertFalse(result.changed(), result::toString);
            assertEquals("keepalive 0 keepidle 7200", target.options(target.victim), "rolled back" + result);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void strictMakesAVanishedSocketAFailureAndSaysWhatChanged(String method) throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            at(Moment.BEFORE_OPEN, 2, target, "CLOSE");
            ExecutorResult result = Executor.socketOption(task(target, method, "strict", true));
            assertTrue(result.failed(), result::toString);
            assertTrue(result.msg().startsWith("strict: 1 socket(s) went away"), result::toString);
            assertTrue(result.msg().contains("1 socket(s) were already changed"), result::toString);
            assertTrue(result.changed(), "the connection still held was changed" + result);
            assertEquals("keepalive 1 keepidle " + KEEPIDLE, target.options(target.other), result::toString);
        }
    }

    @org.junit.jupiter.api.Test
    void socketInfoNotesASocketClosedWhileItIsReadEvenWhenStrict() throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            at(Moment.AFTER_OPEN, 1, target, "CLOSE");
            ExecutorResult result = Executor.ansible("socket_info", args("pid", target.process.pid(), "protocol", "tcp",
                    "state", "established", "local_port", target.port, "strict", true));
            assertFalse(result.failed(), "a connection that went away is a note, not an error" + result);
            JsonNode victim = result.sockets().stream()
                    .filter(s -> s.path("owners").path(0).path("fd").asInt() == target.victim).findFirst()
                    .orElseThrow(() -> new AssertionError("the socket is still listed" + result));
            assertTrue(victim.path("notes").path(0).asText().startsWith("closed by its process while livetune read it"),
                    result::toString);
            JsonNode other = result.sockets().stream()
                    .filter(s -> s.path("owners").path(0).path("fd").asInt() == target.other).findFirst().orElseThrow();
            assertFalse(other.has("notes"), "the other connection reads clean" + result);
        }
    }

    @org.junit.jupiter.api.Test
    void socketInfoNotesTheSocketsOfAProcessThatExitsWhileTheyAreRead() throws Exception {
        try (RaceTarget target = new RaceTarget(dir)) {
            AtomicInteger killed = new AtomicInteger();
            VisitMoments.install((reached, pid, fd) -> {
                if (reached == Moment.BEFORE_OPEN && pid == target.process.pid() && killed.compareAndSet(0, 1)) {
                    try {
                        target.process.killAndAwaitExit();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            });
            ExecutorResult result = Executor.ansible("socket_info", args("pid", target.process.pid(), "protocol", "tcp",
                    "state", "established", "local_port", target.port));
            assertEquals(1, killed.get(), "the target was killed once, before its first socket was read" + result);
            assertFalse(ProcessHandle.of(target.process.pid()).isPresent(), "the target is gone");
            assertFalse(result.failed(), "a process that exits during an inventory is a note, not an error (without strict)" + result);
            assertEquals(2, result.sockets().size(), "both scanned connections are still listed" + result);
            for (JsonNode socket : result.sockets()) {
                assertTrue(socket.path("notes").path(0).asText().startsWith("its process exited while livetune read it"),
                        result::toString);
            }
        }
    }
}
