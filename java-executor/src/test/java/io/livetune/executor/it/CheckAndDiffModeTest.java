package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.Executor.with;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag(Executor.EVERY_METHOD)
class CheckAndDiffModeTest extends LiveProcessTest {

    private static Map<String, Object> raiseListener(TargetProcess target) {
        return args("pid", target.pid(), "state", "listen", "backlog", 4096,
                "options", Map.of("so_rcvbuf", 1048576));
    }

    @Test
    void checkModeReportsThePredictedKernelValuesAndChangesNothing() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");

        ExecutorResult check = Executor.socketOption(with(raiseListener(target), "_check_mode", true));
        assertFalse(check.failed(), check::toString);
        assertTrue(check.changed(), "check mode reports what would change" + check);
        JsonNode entry = check.socket(listener);
        assertTrue(entry.path("changed").asBoolean(), check::toString);
        assertEquals(20, entry.path("before").path("backlog").asInt(), check::toString);
        assertEquals(8192, entry.path("before").path("so_rcvbuf").asInt(), check::toString);
        assertEquals(Kernel.backlogInForce(4096), entry.path("after").path("backlog").asInt(), check::toString);
        assertEquals(Kernel.receiveBufferReadBack(1048576), entry.path("after").path("so_rcvbuf").asInt(),
                "in check mode 'after' is what the kernel will report" + check);
        assertFalse(check.hasDiff(), "no diff without _diff" + check);

        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(listener.inode());
        assertEquals(20, seen.backlog(), "check mode changed the backlog" + check);
        assertEquals(8192, seen.receiveBuffer(), "check mode changed the receive buffer (ss)" + check);
        assertEquals(8192, target.ownOption(listener, "so_rcvbuf"), "check mode changed SO_RCVBUF (target)");
    }

    @Test
    void diffModeShowsBeforeAndAfterOfEveryChangedSocket() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String expectedAfter = Integer.toString(Kernel.receiveBufferReadBack(1048576));

        ExecutorResult run = Executor.socketOption(with(raiseListener(target), "_diff", true));
        assertFalse(run.failed(), run::toString);
        assertTrue(run.changed(), run::toString);
        List<JsonNode> diff = run.diff();
        assertEquals(1, diff.size(), "one diff entry per changed socket" + run);
        String before = diff.get(0).path("before").asText();
        String after = diff.get(0).path("after").asText();
        assertTrue(before.contains("so_rcvbuf") && before.contains("8192"), "diff before: " + before + run);
        assertTrue(before.contains("backlog") && before.contains("20"), "diff before: " + before + run);
        assertTrue(after.contains("so_rcvbuf") && after.contains(expectedAfter), "diff after: " + after + run);
        assertTrue(after.contains(Integer.toString(Kernel.backlogInForce(4096))), "diff after: " + after + run);
        assertEquals(Integer.parseInt(expectedAfter), target.ownOption(listener, "so_rcvbuf"));

        ExecutorResult again = Executor.socketOption(with(raiseListener(target), "_diff", true));
        assertFalse(again.changed(), again::toString);
        assertTrue(again.diff().isEmpty(), "no diff entries when nothing changes" + again);
    }

    @Test
    void checkModeWithDiffShowsTheDiffAndStillChangesNothing() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");

        ExecutorResult check = Executor.socketOption(
                with(with(raiseListener(target), "_check_mode", true), "_diff", true));
        assertFalse(check.failed(), check::toString);
        assertTrue(check.changed(), check::toString);
        assertEquals(1, check.diff().size(), check::toString);
        assertTrue(check.diff().get(0).path("after").asText()
                .contains(Integer.toString(Kernel.receiveBufferReadBack(1048576))), check::toString);
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), check::toString);
        assertEquals(8192, target.ownOption(listener, "so_rcvbuf"));
    }
}
