package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleRunner;
import io.livetune.executor.modules.memorylock.MemoryLockModule;
import io.livetune.executor.modules.preload.PreloadHost;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.Executor.with;
import static io.livetune.executor.it.PreloadFixture.dropInEnvironment;
import static io.livetune.executor.it.PreloadFixture.read;
import static io.livetune.executor.it.PreloadFixture.tree;
import static io.livetune.executor.it.PreloadFixture.write;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * persist: true of socket_option and memory_lock: the same task writes the unit's preload
 * drop-in (preload_wrapper's own), merging what it sets into what the drop-in says, or
 * refuses before anything changes. The drop-in goes to a temporary root (a PreloadHost).
 */
class PersistTest extends LiveProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path build;
    private static byte[] standIn;

    @TempDir
    Path root;
    private PreloadHost host;

    @BeforeAll
    static void compile() {
        standIn = PreloadFixture.standIn(build);
    }

    @BeforeEach
    void systemLayout() throws IOException {
        for (String dir : List.of("etc/systemd/system", "lib/systemd/system", "usr/bin", "usr/local/lib")) {
            Files.createDirectories(root.resolve(dir));
        }
        try (var dirs = Files.walk(root)) {
            for (Path dir : dirs.toList()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        PreloadFixture.copy(root, "/usr/bin/sleep", Path.of("/usr/bin/sleep"));
        unit("demo.service");
        host = PreloadFixture.host(root, standIn, List.of("false"));
    }

    private void unit(String name) {
        write(root.resolve("lib/systemd/system/" + name), "[Service]\nExecStart=/usr/bin/sleep 1000\n");
    }

    private Map<String, String> dropIn(String unit) {
        return dropInEnvironment(read(root.resolve("etc/systemd/system/" + unit + ".d/50-livetune.conf")));
    }

    private ExecutorResult run(Module module, Map<String, Object> args) {
        try {
            String input = JSON.writeValueAsString(args);
            JsonNode result = ModuleRunner.run(module, input, host);
            assertFalse(result.path("msg").asText().contains("\tat "), result::toPrettyString);
            return new ExecutorResult(result, input);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void socketOptionAndMemoryLockMergeWhatTheySetIntoOneDropIn() {
        Map<String, Object> backlog = args("unit", "demo", "backlog", 4096, "options", Map.of("so_keepalive", true),
                "persist", true, "missing", "ignore");
        ExecutorResult first = run(new SocketOptionModule(), with(backlog, "_diff", true));
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertTrue(first.msg().contains("; nothing to do (missing: ignore); persist: wrote /usr/local/lib/livetune/"
                + "liblivetune_preload.so and /etc/systemd/system/demo.service.d/50-livetune.conf; restart demo.service"), first::toString);
        JsonNode persisted = first.json().path("persisted");
        assertTrue(persisted.path("changed").asBoolean(), first::toString);
        assertEquals("created", persisted.path("files").get(1).path("action").asText(), first::toString);
        assertEquals(2, first.diff().size(), "the library and the drop-in" + first);
        assertEquals(Map.of("LD_PRELOAD", "/usr/local/lib/livetune/liblivetune_preload.so", "LIVETUNE_BACKLOG", "4096",
                "LIVETUNE_OPTIONS", "so_keepalive=1"), dropIn("demo.service"));

        ExecutorResult again = run(new SocketOptionModule(), backlog);
        assertFalse(again.changed(), again::toString);
        assertFalse(again.json().path("persisted").path("changed").asBoolean(), again::toString);

        ExecutorResult lock = run(new MemoryLockModule(), args("unit", "demo", "future", true, "persist", true, "missing", "ignore"));
        assertFalse(lock.failed(), lock::toString);
        assertEquals("current,future", dropIn("demo.service").get("LIVETUNE_MLOCK"));
        assertEquals("4096", dropIn("demo.service").get("LIVETUNE_BACKLOG"), "socket_option's settings are kept");

        ExecutorResult nodelay = run(new SocketOptionModule(), args("unit", "demo", "option", "tcp_nodelay", "value", true,
                "persist", true, "missing", "ignore"));
        assertFalse(nodelay.failed(), nodelay::toString);
        assertEquals("so_keepalive=1 tcp_nodelay=1", dropIn("demo.service").get("LIVETUNE_OPTIONS"), "options merge by name");
        assertEquals("current,future", dropIn("demo.service").get("LIVETUNE_MLOCK"));

        Map<String, String> before = tree(root);
        ExecutorResult predicted = run(new SocketOptionModule(), with(with(backlog, "backlog", 8192), "_check_mode", true));
        assertTrue(predicted.changed(), predicted::toString);
        assertTrue(predicted.msg().contains("persist: would write /etc/systemd/system/demo.service.d/50-livetune.conf"), predicted::toString);
        assertEquals(before, tree(root), "check mode writes nothing");

        ExecutorResult unlock = run(new MemoryLockModule(), args("unit", "demo", "state", "unlocked", "persist", true, "missing", "ignore"));
        assertFalse(unlock.failed(), unlock::toString);
        assertFalse(dropIn("demo.service").containsKey("LIVETUNE_MLOCK"), "unlocked: no mlock at the next start");
        assertEquals("so_keepalive=1 tcp_nodelay=1", dropIn("demo.service").get("LIVETUNE_OPTIONS"));

        // the socket filters do not travel: a warning says the library is broader
        ExecutorResult filtered = run(new SocketOptionModule(), args("unit", "demo", "protocol", "udp", "local_port", 514,
                "options", Map.of("so_rcvbuf", 65536), "persist", true, "missing", "ignore"));
        assertTrue(filtered.warnings().contains("persist: after a restart the library sets these on every new socket of the "
                + "unit's programs that takes them, not only on those protocol=udp local_port=514 picks"), filtered::toString);

        // the library stays where the unit's drop-in has it (preload_wrapper's library_dir)
        unit("elsewhere.service");
        ExecutorResult wrapper = PreloadFixture.run(host, args("unit", "elsewhere", "trace", true, "library_dir", "/usr/lib/livetune"));
        assertFalse(wrapper.failed(), wrapper::toString);
        run(new SocketOptionModule(), args("unit", "elsewhere", "backlog", 64, "persist", true, "missing", "ignore"));
        assertEquals(Map.of("LD_PRELOAD", "/usr/lib/livetune/liblivetune_preload.so", "LIVETUNE_BACKLOG", "64",
                "LIVETUNE_TRACE", "stderr"), dropIn("elsewhere.service"));

        // a drop-in left with nothing for the library to do is removed
        unit("solo.service");
        run(new MemoryLockModule(), args("unit", "solo", "persist", true, "missing", "ignore"));
        assertEquals("current", dropIn("solo.service").get("LIVETUNE_MLOCK"));
        ExecutorResult solo = run(new MemoryLockModule(), args("unit", "solo", "state", "unlocked", "persist", true, "missing", "ignore"));
        assertEquals("removed", solo.json().path("persisted").path("files").get(0).path("action").asText(), solo::toString);
        assertFalse(Files.exists(root.resolve("etc/systemd/system/solo.service.d")));
    }

    @Test
    void whatCannotBePersistedIsRefusedBeforeTheLiveChange() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        Map<String, String> before = tree(root);

        ExecutorResult byPid = run(new SocketOptionModule(), args("pid", target.pid(), "backlog", 100, "persist", true));
        assertTrue(byPid.failed(), byPid::toString);
        assertTrue(byPid.msg().startsWith("persist: the processes are chosen by pid, and only a systemd unit has a drop-in"),
                byPid::toString);
        assertFalse(byPid.changed(), byPid::toString);
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "the live socket is untouched");

        ExecutorResult raw = run(new SocketOptionModule(), args("unit", "demo", "raw", List.of(Map.of("level", 1, "optname", 9,
                "value", 1)), "persist", true, "missing", "ignore"));
        assertTrue(raw.msg().startsWith("persist: raw options cannot be persisted"), raw::toString);
        ExecutorResult text = run(new MemoryLockModule(), args("unit", "demo", "scope", "text", "persist", true, "missing", "ignore"));
        assertTrue(text.msg().startsWith("persist: scope: text cannot be persisted"), text::toString);
        ExecutorResult noUnit = run(new SocketOptionModule(), args("unit", "gone", "backlog", 1, "persist", true, "missing", "ignore"));
        assertTrue(noUnit.msg().startsWith("persist: unit: gone.service not found"), noUnit::toString);
        assertTrue(noUnit.msg().endsWith("; nothing was changed"), noUnit::toString);
        PreloadHost noLibrary = PreloadHost.of(root, PreloadFixture.machine(), Map.of(), List.of("false"));
        try {
            JsonNode result = ModuleRunner.run(new SocketOptionModule(), JSON.writeValueAsString(
                    args("unit", "demo", "backlog", 1, "persist", true, "missing", "ignore")), noLibrary);
            assertTrue(result.path("msg").asText().startsWith("persist: this executor has no preload library for "),
                    result::toPrettyString);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(before, tree(root), "a refusal wrote something");
    }

    @Test
    void theLiveChangeAndTheDropInInOneTask() throws Exception {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String unit = "livetune-it-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        unit(unit);
        try (SystemdUnitCgroup cgroup = SystemdUnitCgroup.create(unit)) {
            cgroup.addProcess(target.pid());
            ExecutorResult result = run(new SocketOptionModule(), args("unit", unit, "state", "listen", "backlog", 77,
                    "persist", true));
            assertFalse(result.failed(), result::toString);
            assertTrue(result.msg().startsWith("changed 1 of 1 socket(s)"), result::toString);
            assertTrue(result.msg().contains("; persist: wrote "), result::toString);
            assertEquals(77, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "ss: the live backlog");
            assertEquals("77", dropIn(unit).get("LIVETUNE_BACKLOG"), "and the drop-in, for the next start");
        }
    }
}
