package io.livetune.executor.it;

import io.livetune.executor.modules.preload.PreloadHost;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.PreloadFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * preload_wrapper with the REAL shim, as this build carries it (/native/MACHINE/liblivetune_preload.so):
 * a program with a hard-coded listen(fd, 20) and SO_RCVBUF 4096, started through the wrapper
 * or with a drop-in's environment, ends with what the task asked for, as ss and the program's
 * own getsockopt show. Skipped, saying why, when the build has no shim for this machine.
 */
@Timeout(120)
class PreloadWrapperShimTest {
    @TempDir
    static Path build;
    private static Path listener;

    @BeforeEach
    void needsTheShim() {
        assumeTrue(PreloadFixture.shimPresent(), PreloadFixture.shimMissing());
        synchronized (PreloadWrapperShimTest.class) {
            if (listener == null) {
                listener = PreloadFixture.compile(build, "preload_listener", false);
            }
        }
    }

    private static ExecutorResult wrap(Path dir, Map<String, Object> more) {
        Map<String, Object> task = args("wrapper", dir.resolve("listener-tuned").toString(),
                "command", List.of(listener.toString()), "library_dir", dir.resolve("lib").toString());
        task.putAll(more);
        ExecutorResult result = run(PreloadHost.live(), task);
        assertFalse(result.failed(), result::toString);
        return result;
    }

    @Test
    void theWantedBacklogAndOptionsWinOverTheProgramsOwn(@TempDir Path dir) {
        wrap(dir, Map.of("backlog", 333, "options", Map.of("so_rcvbuf", 65536, "tcp_nodelay", true)));
        try (PreloadFixture.Listener tuned = PreloadFixture.Listener.start(List.of(dir.resolve("listener-tuned").toString()), Map.of())) {
            Ss.SsSocket socket = tuned.ssListener();
            assertEquals(333, socket.backlog(), "ss: the backlog LIVETUNE_BACKLOG asked for, not listen(fd, 20)");
            assertEquals(131072, socket.receiveBuffer(), "ss: skmem rb, SO_RCVBUF 65536 as the kernel keeps it");
            assertEquals(131072, tuned.rcvbuf, "the program's own getsockopt(SO_RCVBUF) after its own setsockopt(4096)");
            assertEquals(1, tuned.nodelay, "the program's own getsockopt(TCP_NODELAY)");
        }
    }

    @Test
    void respectAppLetsTheProgramsOwnSetsockoptWin(@TempDir Path dir) {
        wrap(dir, Map.of("options", Map.of("so_rcvbuf", 65536), "respect_app", true));
        try (PreloadFixture.Listener tuned = PreloadFixture.Listener.start(List.of(dir.resolve("listener-tuned").toString()), Map.of())) {
            assertEquals(8192, tuned.rcvbuf, "the program set 4096 itself, and respect_app lets it keep that");
            assertEquals(20, tuned.ssListener().backlog(), "no backlog asked for: the program's own");
        }
    }

    @Test
    void mlockCurrentLocksTheProgramAtStart(@TempDir Path dir) throws IOException {
        wrap(dir, Map.of("mlock", List.of("current")));
        try (PreloadFixture.Listener tuned = PreloadFixture.Listener.start(List.of(dir.resolve("listener-tuned").toString()), Map.of())) {
            assertTrue(ProcMemory.vmLckKb(tuned.pid) > 0, "VmLck of a program started with LIVETUNE_MLOCK=current");
        }
    }

    /** The drop-in's environment, read here, given to the unit's ExecStart program: the shim sets what it says. */
    @Test
    void theDropInsEnvironmentGivesTheShimItsSettings(@TempDir Path root) throws IOException {
        byte[] shim;
        try (InputStream in = PreloadWrapperShimTest.class.getResourceAsStream(String.format(PreloadFixture.SHIM_RESOURCE, PreloadFixture.machine()))) {
            shim = in.readAllBytes();
        }
        for (String dir : List.of("etc/systemd/system", "lib/systemd/system", "usr/local/bin", "usr/local/lib")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        PreloadFixture.copy(root, "/usr/local/bin/listener", listener);
        PreloadFixture.write(root.resolve("lib/systemd/system/listener.service"), "[Service]\nExecStart=/usr/local/bin/listener\n");
        PreloadHost host = PreloadFixture.host(root, shim, List.of("false"));
        ExecutorResult result = run(host, args("unit", "listener", "backlog", 444, "options", Map.of("so_rcvbuf", 32768)));
        assertFalse(result.failed(), result::toString);
        Map<String, String> environment = PreloadFixture.dropInEnvironment(
                PreloadFixture.read(root.resolve("etc/systemd/system/listener.service.d/50-livetune.conf")));
        environment.put("LD_PRELOAD", root.resolve(environment.get("LD_PRELOAD").substring(1)).toString());
        try (PreloadFixture.Listener tuned = PreloadFixture.Listener.start(
                List.of(root.resolve("usr/local/bin/listener").toString()), environment)) {
            assertEquals(444, tuned.ssListener().backlog(), "ss: LIVETUNE_BACKLOG");
            assertEquals(65536, tuned.rcvbuf, "the program's own getsockopt(SO_RCVBUF): 32768 as the kernel keeps it");
        }
    }
}
