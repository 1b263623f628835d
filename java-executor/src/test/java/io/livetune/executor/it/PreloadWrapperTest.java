package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.preload.PreloadHost;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.Executor.with;
import static io.livetune.executor.it.PreloadFixture.assertAction;
import static io.livetune.executor.it.PreloadFixture.copy;
import static io.livetune.executor.it.PreloadFixture.mode;
import static io.livetune.executor.it.PreloadFixture.read;
import static io.livetune.executor.it.PreloadFixture.run;
import static io.livetune.executor.it.PreloadFixture.tree;
import static io.livetune.executor.it.PreloadFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * livetune.process.preload_wrapper's own logic, with real files: the module runs against a
 * temporary directory standing for "/" (unit files, drop-ins, the library directory), with a
 * stand-in library (src/test/resources/it/preload_standin.c, listen() only) so that it runs
 * whether or not this build carries the real shim. Files are read back here, and checked with
 * tools that are not ours: systemd-analyze verify, ss, the shell that runs a wrapper.
 */
@Timeout(120)
class PreloadWrapperTest {
    private static final String LIBRARY = "/usr/local/lib/livetune/liblivetune_preload.so";
    private static final String DROP_IN = "/etc/systemd/system/demo.service.d/50-livetune.conf";

    @TempDir
    static Path build;
    private static byte[] standIn;
    private static Path listener;
    private static Path staticProgram;

    @TempDir
    Path root;
    private Path reloads;
    private PreloadHost host;

    @BeforeAll
    static void compile() {
        standIn = PreloadFixture.standIn(build);
        listener = PreloadFixture.compile(build, "preload_listener", false);
        staticProgram = PreloadFixture.compile(build, "preload_static", false, "-static");
    }

    @BeforeEach
    void systemLayout() throws IOException {
        for (String dir : List.of("/etc/systemd/system", "/lib/systemd/system", "/usr/bin", "/usr/local/bin", "/usr/local/lib")) {
            Path local = root.resolve(dir.substring(1));
            Files.createDirectories(local);
        }
        try (var dirs = Files.walk(root)) {
            for (Path dir : dirs.toList()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        copy(root, "/usr/bin/sleep", Path.of("/usr/bin/sleep"));
        reloads = build.resolve("reloads-" + System.nanoTime());
        Path systemctl = build.resolve("systemctl-" + System.nanoTime());
        write(systemctl, "#!/bin/sh\necho \"$*\" >> '" + reloads + "'\nexit ${FAIL_RELOAD:-0}\n");
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        host = PreloadFixture.host(root, standIn, List.of(systemctl.toString(), "daemon-reload"));
        unit("demo.service", "[Unit]\nDescription=demo\n\n[Service]\nExecStart=-/usr/bin/sleep 1000\n");
    }

    private void unit(String name, String text) {
        write(root.resolve("lib/systemd/system/" + name), text);
    }

    private Path local(String hostPath) {
        return root.resolve(hostPath.substring(1));
    }

    private List<String> reloadCalls() throws IOException {
        return Files.exists(reloads) ? Files.readAllLines(reloads) : List.of();
    }

    // -- a unit's drop-in --------------------------------------------------------------------

    @Test
    void theDropInIsWrittenThenUnchangedThenOnlyPredictedThenRemovedWithItsDirectory() throws Exception {
        Map<String, Object> task = args("unit", "demo", "backlog", 4096,
                "options", Map.of("so_keepalive", true, "so_linger", Map.of("enabled", true, "seconds", 5),
                        "so_rcvtimeo", 1500, "tcp_congestion", "cubic"),
                "mlock", Map.of("current", true, "future", true), "trace", "syslog", "respect_app", true);

        ExecutorResult first = run(host, with(task, "_diff", true));
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        String expected = "# Written by livetune.process.preload_wrapper.\n"
                + "# The next run of the task rewrites this file; state: absent removes it.\n"
                + "# LD_PRELOAD loads livetune's preload library into every program demo.service starts; "
                + "the LIVETUNE_* variables say what it sets.\n"
                + "[Service]\n"
                + "Environment=\"LD_PRELOAD=" + LIBRARY + "\"\n"
                + "Environment=\"LIVETUNE_BACKLOG=4096\"\n"
                + "Environment=\"LIVETUNE_OPTIONS=so_keepalive=1 so_linger=1:5 so_rcvtimeo=1500 tcp_congestion=cubic\"\n"
                + "Environment=\"LIVETUNE_MLOCK=current,future\"\n"
                + "Environment=\"LIVETUNE_TRACE=syslog\"\n"
                + "Environment=\"LIVETUNE_RESPECT_APP=1\"\n";
        assertEquals(expected, read(local(DROP_IN)));
        assertArrayEquals(standIn, Files.readAllBytes(local(LIBRARY)), "the library is the one for this machine");
        assertEquals("rw-r--r--", mode(local(LIBRARY)));
        assertEquals("rwxr-xr-x", mode(local("/usr/local/lib/livetune")));
        assertEquals("rw-r--r--", mode(local(DROP_IN)));
        assertEquals("rwxr-xr-x", mode(local("/etc/systemd/system/demo.service.d")));
        assertAction(first, LIBRARY, "created");
        assertAction(first, DROP_IN, "created");
        JsonNode json = first.json();
        assertTrue(json.path("restart_required").asBoolean(), first::toString);
        assertFalse(json.path("daemon_reloaded").asBoolean(), first::toString);
        assertTrue(first.warnings().stream().anyMatch(w -> w.contains("systemd is not running")), first::toString);
        assertEquals(List.of(), reloadCalls(), "no daemon-reload where systemd does not run");
        assertEquals("[\"/usr/bin/sleep\"]", json.path("programs").toString());
        assertEquals(PreloadFixture.dropInEnvironment(expected),
                new com.fasterxml.jackson.databind.ObjectMapper().convertValue(json.path("environment"), Map.class));
        assertEquals(PreloadFixture.machine(), json.path("library").path("machine").asText());
        assertTrue(first.msg().startsWith("wrote " + LIBRARY + " and " + DROP_IN + "; restart demo.service"), first::toString);
        assertEquals(2, first.diff().size(), first::toString);
        JsonNode dropInDiff = first.diff().get(1);
        assertEquals(DROP_IN, dropInDiff.path("before_header").asText());
        assertEquals("", dropInDiff.path("before").asText());
        assertEquals(expected, dropInDiff.path("after").asText());
        assertTrue(first.diff().get(0).path("after").asText().startsWith("sha256: "), first::toString);
        verifyWithSystemd("demo.service");

        Map<String, String> written = tree(root);
        ExecutorResult again = run(host, with(task, "_diff", true));
        assertFalse(again.changed(), again::toString);
        assertFalse(again.json().path("restart_required").asBoolean(), again::toString);
        assertAction(again, DROP_IN, "unchanged");
        assertAction(again, LIBRARY, "unchanged");
        assertEquals(0, again.diff().size(), again::toString);
        assertEquals("demo.service: the library and drop-in " + DROP_IN + " are as asked", again.msg());
        assertEquals(written, tree(root), "an unchanged run touches nothing");

        ExecutorResult predicted = run(host, with(with(task, "backlog", 8192), "_check_mode", true));
        assertTrue(predicted.changed(), predicted::toString);
        assertAction(predicted, DROP_IN, "updated");
        assertTrue(predicted.msg().startsWith("would write " + DROP_IN), predicted::toString);
        assertEquals(written, tree(root), "check mode changes nothing");

        ExecutorResult wouldRemove = run(host, args("unit", "demo.service", "state", "absent", "_check_mode", true));
        assertTrue(wouldRemove.changed(), wouldRemove::toString);
        assertEquals(written, tree(root), "check mode changes nothing");

        ExecutorResult removed = run(host, args("unit", "demo.service", "state", "absent", "_diff", true));
        assertTrue(removed.changed(), removed::toString);
        assertAction(removed, DROP_IN, "removed");
        assertEquals(expected, removed.diff().get(0).path("before").asText());
        assertEquals("", removed.diff().get(0).path("after").asText());
        assertFalse(Files.exists(local("/etc/systemd/system/demo.service.d")), "the drop-in directory it made is gone");
        assertTrue(Files.exists(local(LIBRARY)), "the library stays (other units and wrappers may use it)");
        assertTrue(removed.msg().contains("the preload library stays"), removed::toString);
        Map<String, String> before = new HashMap<>(written);
        before.remove("etc/systemd/system/demo.service.d");
        before.remove("etc/systemd/system/demo.service.d/50-livetune.conf");
        assertEquals(before, tree(root), "absent removed what it wrote, and nothing else");

        ExecutorResult gone = run(host, args("unit", "demo.service", "state", "absent"));
        assertFalse(gone.changed(), gone::toString);
        assertEquals("drop-in " + DROP_IN + " is absent already", gone.msg());
    }

    /** systemd's own reader of unit files: the unit with our drop-in beside it, as systemd-analyze verify loads them. */
    private void verifyWithSystemd(String unit) throws IOException {
        assumeTrue(Commands.run("sh", "-c", "command -v systemd-analyze").exitStatus() == 0, "no systemd-analyze here");
        Path scratch = Files.createTempDirectory(build, "verify");
        Files.copy(root.resolve("lib/systemd/system/" + unit), scratch.resolve(unit));
        Files.createDirectories(scratch.resolve(unit + ".d"));
        Files.copy(local("/etc/systemd/system/" + unit + ".d/50-livetune.conf"), scratch.resolve(unit + ".d/50-livetune.conf"));
        Commands.Result verify = Commands.run("systemd-analyze", "verify", scratch.resolve(unit).toString());
        assertEquals(0, verify.exitStatus(), verify.stderr());
        assertEquals("", verify.stderr().strip(), "systemd-analyze verify complains");
    }

    @Test
    void theProgramStartedWithTheDropInsEnvironmentGetsTheLibrary() throws Exception {
        copy(root, "/usr/local/bin/preload_listener", listener);
        unit("listener.service", "[Service]\nExecStart=/usr/local/bin/preload_listener\n");
        ExecutorResult result = run(host, args("unit", "listener.service", "backlog", 77));
        assertTrue(result.changed(), result::toString);

        // ExecStart=, run with exactly the environment the drop-in defines (read here, not by the
        // module); the library's host path lives under the test's root
        Map<String, String> environment = PreloadFixture.dropInEnvironment(read(local("/etc/systemd/system/listener.service.d/50-livetune.conf")));
        assertEquals(LIBRARY, environment.get("LD_PRELOAD"));
        environment.put("LD_PRELOAD", local(environment.get("LD_PRELOAD")).toString());
        try (PreloadFixture.Listener plain = PreloadFixture.Listener.start(List.of(local("/usr/local/bin/preload_listener").toString()), Map.of());
                PreloadFixture.Listener preloaded = PreloadFixture.Listener.start(
                        List.of(local("/usr/local/bin/preload_listener").toString()), environment)) {
            assertEquals(20, plain.ssListener().backlog(), "the program's own listen(fd, 20)");
            assertEquals(77, preloaded.ssListener().backlog(), "ss: the backlog LIVETUNE_BACKLOG asked for");
        }
    }

    @Test
    void aUnitsOwnLdPreloadIsKeptAfterOursAndItsFilesAreReadAsSystemdReadsThem() throws IOException {
        unit("other.service", "[Service]\nEnvironment=\"LD_PRELOAD=/usr/lib/libfirst.so\" OTHER=1\nExecStart=/usr/bin/nothere\n");
        write(local("/lib/systemd/system/other.service.d/10-override.conf"),
                "[Service]\n# systemd reads drop-ins by name, this one before ours\nExecStart=\nExecStart=@sleep \\\n  sleepy 1000\n"
                        + "Environment=LD_PRELOAD=/usr/lib/libsecond.so\n");
        ExecutorResult result = run(host, args("unit", "other", "backlog", 1));
        assertFalse(result.failed(), result::toString);
        assertEquals("[\"/usr/bin/sleep\"]", result.json().path("programs").toString(), "the reset ExecStart=, a bare name");
        assertEquals(LIBRARY + " /usr/lib/libsecond.so",
                PreloadFixture.dropInEnvironment(read(local("/etc/systemd/system/other.service.d/50-livetune.conf"))).get("LD_PRELOAD"));
        assertTrue(result.warnings().stream().anyMatch(w -> w.contains("sets LD_PRELOAD=/usr/lib/libsecond.so itself")),
                result::toString);

        // a % in what the unit set is a specifier to systemd: written back doubled
        unit("percent.service", "[Service]\nEnvironment=LD_PRELOAD=/usr/lib/lib%%x.so\nExecStart=/usr/bin/sleep 1\n");
        assertFalse(run(host, args("unit", "percent", "backlog", 1)).failed());
        assertTrue(read(local("/etc/systemd/system/percent.service.d/50-livetune.conf"))
                .contains("Environment=\"LD_PRELOAD=" + LIBRARY + " /usr/lib/lib%%x.so\"\n"));

        // a file's mode is part of what is compared
        Files.setPosixFilePermissions(local("/etc/systemd/system/percent.service.d/50-livetune.conf"),
                PosixFilePermissions.fromString("rw-------"));
        ExecutorResult remoded = run(host, args("unit", "percent", "backlog", 1));
        assertAction(remoded, "/etc/systemd/system/percent.service.d/50-livetune.conf", "updated");
        assertEquals("rw-r--r--", mode(local("/etc/systemd/system/percent.service.d/50-livetune.conf")));

        // a template's instance: the template's file, the instance's drop-in
        unit("worker@.service", "[Service]\nExecStart=+/usr/bin/sleep %i\n");
        ExecutorResult instance = run(host, args("unit", "worker@7.service", "backlog", 1));
        assertFalse(instance.failed(), instance::toString);
        assertTrue(Files.exists(local("/etc/systemd/system/worker@7.service.d/50-livetune.conf")), instance::toString);
    }

    // -- the exec wrapper --------------------------------------------------------------------

    @Test
    void theWrapperRunsTheProgramWithTheLibraryItsArgumentsAndTheCallersOwnPreload(@TempDir Path dir) throws Exception {
        PreloadHost real = PreloadFixture.host(Path.of("/"), standIn, List.of("false"));
        Path lib = dir.resolve("lib");
        Path wrapper = dir.resolve("listener-tuned");
        Map<String, Object> task = args("wrapper", wrapper.toString(), "command", List.of(listener.toString()),
                "backlog", 99, "library_dir", lib.toString(), "mlock", List.of("current"));
        ExecutorResult result = run(real, with(task, "_diff", true));
        assertTrue(result.changed(), result::toString);
        assertEquals("rwxr-xr-x", mode(wrapper));
        assertFalse(result.json().has("daemon_reloaded"), result::toString);
        try (PreloadFixture.Listener tuned = PreloadFixture.Listener.start(List.of(wrapper.toString()),
                Map.of("LIVETUNE_TRACE", "stderr"))) {
            assertEquals(99, tuned.ssListener().backlog(), "ss: the backlog LIVETUNE_BACKLOG asked for");
            String environ = new String(Files.readAllBytes(Path.of("/proc/" + tuned.pid + "/environ"))).replace('\0', '\n');
            assertTrue(environ.contains("\nLD_PRELOAD=" + lib.resolve("liblivetune_preload.so") + "\n"), environ);
            assertTrue(environ.contains("\nLIVETUNE_MLOCK=current\n"), environ);
            assertFalse(environ.contains("LIVETUNE_TRACE"), "the wrapper unsets what the task does not ask for: " + environ);
            String maps = Files.readString(Path.of("/proc/" + tuned.pid + "/maps"));
            assertTrue(maps.contains(lib.resolve("liblivetune_preload.so").toString()), "the library is mapped: " + maps);
        }
        assertFalse(run(real, task).changed(), "second run");

        // a new library (another build) is renamed into place: a program running with the old one keeps it
        try (PreloadFixture.Listener running = PreloadFixture.Listener.start(List.of(wrapper.toString()), Map.of())) {
            byte[] newer = Arrays.copyOf(standIn, standIn.length + 8); // the loader reads what the headers say
            ExecutorResult replaced = run(PreloadFixture.host(Path.of("/"), newer, List.of("false")), task);
            assertAction(replaced, lib.resolve("liblivetune_preload.so").toString(), "updated");
            assertTrue(replaced.json().path("restart_required").asBoolean(), replaced::toString);
            assertArrayEquals(newer, Files.readAllBytes(lib.resolve("liblivetune_preload.so")));
            String maps = Files.readString(Path.of("/proc/" + running.pid + "/maps"));
            assertTrue(maps.contains(lib.resolve("liblivetune_preload.so") + " (deleted)"),
                    "the running program keeps the old library, now unlinked: " + maps);
            assertEquals(99, running.ssListener().backlog());
        }

        // the program's own arguments first, then the wrapper's, each word intact; the caller's LD_PRELOAD after ours
        Path printer = dir.resolve("printer");
        ExecutorResult printing = run(real, args("wrapper", printer.toString(), "command", "/usr/bin/printf '<%s>'",
                "backlog", 1, "library_dir", lib.toString()));
        assertFalse(printing.failed(), printing::toString);
        Commands.Result printed = Commands.run(printer.toString(), "a b", "c");
        assertEquals("<a b><c>", printed.requireSuccess().stdout());
        Path env = dir.resolve("env");
        run(real, args("wrapper", env.toString(), "command", List.of("env"), "backlog", 1, "library_dir", lib.toString()));
        Commands.Result environment = Commands.run("env", "LD_PRELOAD=" + lib.resolve("liblivetune_preload.so"), env.toString());
        assertTrue(environment.requireSuccess().stdout().contains("LD_PRELOAD=" + lib.resolve("liblivetune_preload.so") + " "
                + lib.resolve("liblivetune_preload.so") + "\n"), environment.stdout());
        assertEquals("[\"/usr/bin/env\"]", run(real, args("wrapper", env.toString(), "command", List.of("env"),
                "backlog", 1, "library_dir", lib.toString())).json().path("programs").toString(), "a bare name, found in PATH");

        ExecutorResult removed = run(real, args("wrapper", wrapper.toString(), "state", "absent"));
        assertTrue(removed.changed(), removed::toString);
        assertFalse(Files.exists(wrapper));
        assertTrue(Files.exists(lib.resolve("liblivetune_preload.so")), "the library stays");
    }

    // -- what cannot work, refused before anything is written --------------------------------

    private void refused(PreloadHost on, Map<String, Object> task, String... needles) {
        Map<String, String> before = tree(root);
        ExecutorResult result = run(on, task);
        assertTrue(result.failed(), "not refused" + result);
        assertFalse(result.changed(), "a refusal that changed something" + result);
        for (String needle : needles) {
            assertTrue(result.msg().contains(needle), "'" + needle + "' not in msg" + result);
        }
        assertEquals(before, tree(root), "a refusal wrote something");
    }

    private Map<String, Object> wrapping(String program) {
        return args("wrapper", "/usr/local/bin/wrapped", "command", List.of(program), "backlog", 64);
    }

    @Test
    void programsTheLoaderWouldNotPreloadAreRefusedNamingTheReason() throws IOException {
        Path setuid = copy(root, "/usr/bin/suid", Path.of("/usr/bin/sleep"));
        Commands.run("chmod", "4755", setuid.toString()).requireSuccess();
        refused(host, wrapping("/usr/bin/suid"), "/usr/bin/suid is setuid (mode 4755)", "ignores LD_PRELOAD");
        Path setgid = copy(root, "/usr/bin/sgid", Path.of("/usr/bin/sleep"));
        Commands.run("chmod", "2755", setgid.toString()).requireSuccess();
        refused(host, wrapping("/usr/bin/sgid"), "/usr/bin/sgid is setgid (mode 2755)");

        copy(root, "/usr/bin/static", staticProgram);
        refused(host, wrapping("/usr/bin/static"), "/usr/bin/static is statically linked", "PT_INTERP");
        write(local("/usr/bin/script"), "#!/usr/bin/static -x\necho hello\n");
        Files.setPosixFilePermissions(local("/usr/bin/script"), PosixFilePermissions.fromString("rwxr-xr-x"));
        refused(host, wrapping("/usr/bin/script"), "the #! interpreter of /usr/bin/script", "statically linked");
        Files.createSymbolicLink(local("/usr/bin/via-link"), Path.of("/usr/bin/static")); // absolute: within the root
        refused(host, wrapping("via-link"), "/usr/bin/via-link (/usr/bin/static) is statically linked");

        write(local("/usr/bin/text"), "just text\n");
        Files.setPosixFilePermissions(local("/usr/bin/text"), PosixFilePermissions.fromString("rwxr-xr-x"));
        refused(host, wrapping("/usr/bin/text"), "neither an ELF program nor a #! script");
        write(local("/usr/bin/plain"), "#!/usr/bin/sleep\n");
        refused(host, wrapping("/usr/bin/plain"), "/usr/bin/plain is not executable (mode 0644)");

        PreloadHost otherMachine = PreloadHost.of(root, "aarch64", Map.of("aarch64", standIn), List.of("false"));
        refused(otherMachine, wrapping("/usr/bin/sleep"), "is a 64-bit x86_64 program",
                "built for aarch64 (64-bit): the loader would not load it");
        PreloadHost noBuild = PreloadHost.of(root, "riscv64", Map.of(), List.of("false"));
        refused(noBuild, wrapping("/usr/bin/sleep"), "this executor has no preload library for riscv64", "nothing was changed");

        refused(host, wrapping("/usr/bin/nothere"), "command: program /usr/bin/nothere does not exist");
        refused(host, wrapping("nothere"), "cannot be found in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        refused(host, args("wrapper", "/usr/bin/sleep", "command", "/usr/bin/sleep", "backlog", 1), "is the program itself");
    }

    @Test
    void unitsThatCannotTakeTheLibraryAreRefusedNamingTheReason() throws IOException {
        refused(host, args("unit", "nosuch", "backlog", 1), "unit: nosuch.service not found", "/etc/systemd/system");
        unit("missing.service", "[Service]\nExecStart=/usr/sbin/gone --flag\n");
        refused(host, args("unit", "missing", "backlog", 1),
                "ExecStart= of missing.service: program /usr/sbin/gone cannot be found (/lib/systemd/system/missing.service)");
        unit("bare.service", "[Service]\nExecStart=!!gone\n");
        refused(host, args("unit", "bare", "backlog", 1), "program gone cannot be found in /usr/local/sbin");
        unit("idle.service", "[Service]\nType=oneshot\n");
        refused(host, args("unit", "idle", "backlog", 1), "idle.service has no ExecStart=");
        Files.createSymbolicLink(local("/etc/systemd/system/masked.service"), Path.of("/dev/null"));
        refused(host, args("unit", "masked", "backlog", 1), "masked.service is masked");
        refused(host, args("unit", "demo.socket", "backlog", 1), "demo.socket is not a service");
        refused(host, args("unit", "worker@.service", "backlog", 1), "is a template; name an instance");
        Path suid = copy(root, "/usr/bin/suid", Path.of("/usr/bin/sleep"));
        Commands.run("chmod", "4755", suid.toString()).requireSuccess();
        unit("suid.service", "[Service]\nExecStartPre=/usr/bin/true\nExecStart=/usr/bin/sleep 1\nExecStart=/usr/bin/suid\n");
        refused(host, args("unit", "suid", "backlog", 1), "ExecStart= of suid.service: /usr/bin/suid is setuid");

        // the sandbox of Debian's redis-server.service: nothing may be mapped executable outside ExecPaths=
        unit("sandboxed.service", "[Service]\nExecStart=/usr/bin/sleep 1\nNoExecPaths=/\nExecPaths=/usr/bin/sleep -/usr/lib /lib\n");
        refused(host, args("unit", "sandboxed", "backlog", 1), "its NoExecPaths=/ (ExecPaths=/usr/bin/sleep /usr/lib /lib) forbids "
                + "mapping /usr/local/lib/livetune/liblivetune_preload.so executable", "under one of its ExecPaths=");
        ExecutorResult underExecPaths = run(host, args("unit", "sandboxed", "backlog", 1, "library_dir", "/usr/lib/livetune",
                "_check_mode", true));
        assertFalse(underExecPaths.failed(), underExecPaths::toString);
        write(local("/etc/systemd/system/sandboxed.service.d/10-more.conf"), "[Service]\nNoExecPaths=/usr/lib/livetune\n");
        refused(host, args("unit", "sandboxed", "backlog", 1, "library_dir", "/usr/lib/livetune"), "its NoExecPaths=/usr/lib/livetune");
        unit("hidden.service", "[Service]\nExecStart=/usr/bin/sleep 1\nInaccessiblePaths=-/usr/local\n");
        refused(host, args("unit", "hidden", "backlog", 1), "its InaccessiblePaths=/usr/local hides");
        unit("tmpfs.service", "[Service]\nExecStart=/usr/bin/sleep 1\nTemporaryFileSystem=/usr/local:ro\n");
        refused(host, args("unit", "tmpfs", "backlog", 1), "its TemporaryFileSystem=/usr/local hides");

        write(local("/etc/systemd/system/demo.service.d/90-late.conf"), "[Service]\nEnvironment=LIVETUNE_BACKLOG=5\n");
        refused(host, args("unit", "demo", "backlog", 1), "/etc/systemd/system/demo.service.d/90-late.conf sets LIVETUNE_BACKLOG",
                "sorts after 50-livetune.conf");
        Files.delete(local("/etc/systemd/system/demo.service.d/90-late.conf"));
        write(local("/etc/default/demo"), "# defaults\nLD_PRELOAD=/lib/other.so\n");
        write(local("/etc/systemd/system/demo.service.d/20-env.conf"), "[Service]\nEnvironmentFile=-/etc/default/demo\n");
        refused(host, args("unit", "demo", "backlog", 1), "EnvironmentFile=/etc/default/demo of demo.service sets LD_PRELOAD");
        Files.delete(local("/etc/systemd/system/demo.service.d/20-env.conf"));

        write(local(DROP_IN), "[Service]\nEnvironment=SOMEONE=else\n");
        refused(host, args("unit", "demo", "backlog", 1), "drop-in " + DROP_IN + " exists and was not written by livetune");
        refused(host, args("unit", "demo", "state", "absent"), "was not written by livetune");
        write(local("/usr/local/bin/theirs"), "#!/bin/sh\n");
        refused(host, args("wrapper", "/usr/local/bin/theirs", "command", "sleep", "backlog", 1), "was not written by livetune");
        refused(host, args("wrapper", "/usr/local/bin/theirs", "state", "absent"), "was not written by livetune");
    }

    @Test
    void directoriesOthersCouldWriteAndBadArgumentsAreRefused() throws IOException {
        Files.createDirectories(local("/srv/shared"));
        Files.setPosixFilePermissions(local("/srv/shared"), PosixFilePermissions.fromString("rwxrwxrwx"));
        refused(host, with(wrapping("/usr/bin/sleep"), "library_dir", "/srv/shared/lib"),
                "library_dir: /srv/shared is writable by every user (mode 0777)");
        refused(host, args("wrapper", "/srv/shared/run-it", "command", "sleep", "backlog", 1), "wrapper: /srv/shared is writable");
        Files.setPosixFilePermissions(local("/srv/shared"), PosixFilePermissions.fromString("rwxrwxr-x"));
        refused(host, with(wrapping("/usr/bin/sleep"), "library_dir", "/srv/shared"), "/srv/shared is writable by its group");
        refused(host, args("wrapper", "/nodir/x", "command", "sleep", "backlog", 1), "wrapper: directory /nodir does not exist");
        Files.createDirectories(local("/srv/private"));
        Files.setPosixFilePermissions(local("/srv/private"), PosixFilePermissions.fromString("rwx------"));
        ExecutorResult privateDir = run(host, with(wrapping("/usr/bin/sleep"), "library_dir", "/srv/private/lib"));
        assertFalse(privateDir.failed(), privateDir::toString);
        assertTrue(privateDir.warnings().contains("library_dir: /srv/private cannot be searched by other users (mode 0700): "
                + "programs that do not run as root or as its owner cannot load the library"), privateDir::toString);

        refused(host, with(wrapping("/usr/bin/sleep"), "library_dir", "lib"), "library_dir: must be an absolute, normalised path");
        refused(host, with(wrapping("/usr/bin/sleep"), "library_dir", "/opt/my lib"), "LD_PRELOAD splits its list on blanks");
        refused(host, args("wrapper", "/usr/local/bin/x", "backlog", 1), "command: is required with wrapper");
        refused(host, args("unit", "demo", "command", "sleep", "backlog", 1), "command: only with wrapper");
        refused(host, args("unit", "demo", "wrapper", "/usr/local/bin/x", "backlog", 1), "exactly one of unit, wrapper");
        refused(host, args("backlog", 1), "exactly one of unit, wrapper");
        refused(host, args("unit", "demo"), "nothing for the library to do: give backlog, options, mlock or trace");
        refused(host, args("unit", "demo", "respect_app", true), "nothing for the library to do");
        refused(host, args("unit", "demo", "mlock", List.of("onfault")), "mlock: onfault only with current or future");
        refused(host, args("unit", "demo", "mlock", List.of("current", "sometimes")),
                "mlock: must be a dict with keys current, future, onfault, or a list of: current, future, onfault");
        refused(host, args("unit", "demo", "options", Map.of("so_rcvbuff", 1)), "options.so_rcvbuff: unknown option; did you mean so_rcvbuf");
        refused(host, args("unit", "demo", "options", Map.of("tcp_keepcnt", 500)), "options.tcp_keepcnt: must be an integer from 1 to 127");
        refused(host, args("unit", "demo", "options", Map.of("tcp_congestion", "cu bic")), "options.tcp_congestion: must be a name");
        refused(host, args("unit", "demo", "trace", "loud"), "trace: must be one of: true, false, stderr, syslog");
        refused(host, args("unit", "demo", "backlog", -1), "backlog: must be an integer >= 0");
        refused(host, args("unit", "demo", "daemon_reload", "maybe", "backlog", 1), "daemon_reload: must be a boolean");
        refused(host, args("wrapper", "/usr/local/bin/x", "command", "sleep", "backlog", 1, "daemon_reload", false),
                "daemon_reload: only with unit");
        refused(host, args("unit", "demo", "backlog", 1, "statee", "absent"), "statee: unknown parameter; did you mean state");
    }

    // -- systemd, ad hoc values, the kernel's limits -----------------------------------------

    @Test
    void daemonReloadRunsWhereSystemdRunsAndOnlyWhenTheDropInChanged() throws IOException {
        Files.createDirectories(local("/run/systemd/system"));
        Map<String, Object> task = args("unit", "demo", "backlog", 128);
        ExecutorResult first = run(host, task);
        assertTrue(first.json().path("daemon_reloaded").asBoolean(), first::toString);
        assertEquals(List.of("daemon-reload"), reloadCalls());
        assertEquals(List.of(), first.warnings(), first::toString);

        assertFalse(run(host, task).json().path("daemon_reloaded").asBoolean(), "unchanged: no reload");
        assertFalse(run(host, with(with(task, "backlog", 256), "_check_mode", true)).json().path("daemon_reloaded").asBoolean());
        assertEquals(1, reloadCalls().size(), "no reload when unchanged or in check mode");

        ExecutorResult noReload = run(host, with(with(task, "backlog", 256), "daemon_reload", false));
        assertTrue(noReload.changed(), noReload::toString);
        assertTrue(noReload.warnings().stream().anyMatch(w -> w.contains("run systemctl daemon-reload before restarting demo.service")),
                noReload::toString);
        assertEquals(1, reloadCalls().size(), "daemon_reload: false");

        ExecutorResult removed = run(host, args("unit", "demo", "state", "absent"));
        assertTrue(removed.json().path("daemon_reloaded").asBoolean(), removed::toString);
        assertEquals(2, reloadCalls().size(), "a removed drop-in is reloaded too");

        PreloadHost failing = PreloadFixture.host(root, standIn, List.of("sh", "-c", "echo 'Failed to reload daemon: Access denied' >&2; exit 1"));
        ExecutorResult failed = run(failing, task);
        assertTrue(failed.failed(), failed::toString);
        assertTrue(failed.msg().startsWith("the drop-in was written, but sh -c"), failed::toString);
        assertTrue(failed.msg().contains("exited 1: Failed to reload daemon: Access denied"), failed::toString);
    }

    @Test
    void adHocStringsAreConvertedAsTheSchemaSays() {
        ExecutorResult result = run(host, args("wrapper", "/usr/local/bin/sleepy", "command", "sleep '10 0'",
                "backlog", "300", "options", "so_keepalive=yes tcp_nodelay=1", "mlock", "current,onfault",
                "trace", "yes", "respect_app", "on"));
        assertFalse(result.failed(), result::toString);
        String text = read(local("/usr/local/bin/sleepy"));
        assertTrue(text.contains("\nLIVETUNE_BACKLOG='300'\nLIVETUNE_OPTIONS='so_keepalive=1 tcp_nodelay=1'\n"
                + "LIVETUNE_MLOCK='current,onfault'\nLIVETUNE_TRACE='stderr'\nLIVETUNE_RESPECT_APP='1'\n"), text);
        assertTrue(text.endsWith("\nexec '/usr/bin/sleep' '10 0' \"$@\"\n"), text);
    }

    @Test
    void whatTheKernelWillNotKeepIsAWarningNamingTheSysctl() {
        // cat: /proc/sys files answer one read at offset 0 only
        long somaxconn = Long.parseLong(Commands.run("cat", "/proc/sys/net/core/somaxconn").requireSuccess().stdout().strip());
        long rmemMax = Long.parseLong(Commands.run("cat", "/proc/sys/net/core/rmem_max").requireSuccess().stdout().strip());
        ExecutorResult result = run(host, args("unit", "demo", "backlog", somaxconn + 1,
                "options", Map.of("so_rcvbuf", rmemMax + 1)));
        assertFalse(result.failed(), result::toString);
        List<String> warnings = result.warnings();
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("backlog: " + (somaxconn + 1) + " is above net.core.somaxconn")),
                warnings::toString);
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("so_rcvbuf: " + (rmemMax + 1) + " is above net.core.rmem_max")
                && !w.contains("force")), warnings::toString);
        assertTrue(read(local(DROP_IN)).contains("LIVETUNE_BACKLOG=" + (somaxconn + 1)), "the value is written as asked");
    }
}
