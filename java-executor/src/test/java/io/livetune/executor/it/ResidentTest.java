package io.livetune.executor.it;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resident executor (cli.ResidentCommand) as a real daemon process on a real UNIX socket,
 * asked by its real client (resources/resident/client.py, which it writes beside the socket),
 * against real target processes whose sockets are checked with their own getsockopt.
 */
class ResidentTest {
    /** client.py's exit status when the resident did not accept the task (cli.ExitStatus.NOT_SERVED). */
    private static final int NOT_SERVED = 91;
    private static final long START_SECONDS = 30;
    /** The system's python3: a foreign user may not run the test user's (pyenv's shims live in /root). */
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path temp;
    private Path dir;
    private Process resident;
    private final List<TargetProcess> targets = new ArrayList<>();

    @BeforeEach
    void privateDirectory() throws IOException {
        // the foreign user of one test reads its copy of the client and its arguments here
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        dir = Files.createDirectory(temp.resolve("r"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void stop() {
        if (resident != null) {
            resident.destroyForcibly();
        }
        targets.forEach(TargetProcess::close);
    }

    private TargetProcess targetWithListener() {
        TargetProcess target = TargetProcess.start(target().tcpListener("ipv4", 20, 4096));
        targets.add(target);
        return target;
    }

    /** The resident in a JVM of its own, started in its directory as executor_run.sh starts it. */
    private Process startResident(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName(), "resident", "--dir", "."));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(temp.resolve("resident.log").toFile()).start();
    }

    private Process startServing(String... options) throws IOException {
        resident = startResident(options);
        Await.until(() -> Files.exists(dir.resolve("s")) && Files.exists(dir.resolve("client.py")), ready -> ready
                || !resident.isAlive(), "the resident's socket and client", START_SECONDS);
        assertTrue(resident.isAlive(), "the resident runs: " + log());
        return resident;
    }

    private String log() {
        try {
            return Files.readString(temp.resolve("resident.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** What client.py said: its exit status, stdout and stderr. */
    private record Reply(int status, String out, String err) {
    }

    private Reply ask(String module, String json, String... prefix) {
        try {
            Path argsFile = Files.createTempFile(temp, "args", ".json");
            Files.writeString(argsFile, json);
            Files.setPosixFilePermissions(argsFile, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> command = new ArrayList<>(List.of(prefix));
            command.addAll(List.of(PYTHON, "-I", "-S", dir.resolve("client.py").toString(), dir.toString(), module,
                    argsFile.toString()));
            if (prefix.length > 0) {
                // a foreign user cannot read the root-owned client: it runs a copy of it
                Path copy = Files.copy(dir.resolve("client.py"), temp.resolve("client-copy.py"));
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                command.set(prefix.length + 3, copy.toString());
            }
            Process client = new ProcessBuilder(command).directory(new File("/")).start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errCopy = new Thread(() -> {
                try {
                    client.getErrorStream().transferTo(err);
                } catch (IOException e) {
                    // ended
                }
            });
            errCopy.start();
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client ends");
            errCopy.join();
            return new Reply(client.exitValue(), out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a task through the resident with the usual checks (exactly one JSON object, status 0 or 1). */
    private ExecutorResult viaResident(String module, Map<String, Object> taskArgs) {
        return Executor.ansible((argv, stdin, stdout, stderr) -> {
            Reply reply = ask(argv[1], new String(stdin, StandardCharsets.UTF_8));
            stdout.print(reply.out());
            stderr.print(reply.err().replaceAll("(?m)^livetune: served by the resident executor, pid \\d+\n", ""));
            assertTrue(reply.err().contains("served by the resident executor, pid " + resident.pid()),
                    "served by the resident: " + reply.err());
            return reply.status();
        }, module, taskArgs);
    }

    @Test
    void aResidentsResultEqualsAColdRunsAndItsChangeIsReal() throws IOException {
        TargetProcess target = targetWithListener();
        TargetSocket listener = target.socket("listener");
        startServing("--idle-timeout", "120");
        Map<String, Object> check = args("pid", target.pid(), "local_port", listener.localPort(), "options",
                Map.of("so_rcvbuf", 65536), "_check_mode", true, "_diff", true);
        assertEquals(Executor.ansible("socket_option", check).json(), viaResident("socket_option", check).json());

        Map<String, Object> change = args("pid", target.pid(), "local_port", listener.localPort(), "options",
                Map.of("so_rcvbuf", 65536));
        ExecutorResult changed = viaResident("socket_option", change);
        assertTrue(changed.changed(), changed.json().toString());
        assertEquals(131072, target.ownOption(listener, "so_rcvbuf"), "the target's own getsockopt sees the change");

        ExecutorResult againResident = viaResident("socket_option", change);
        ExecutorResult againCold = Executor.ansible("socket_option", change);
        assertFalse(againResident.changed());
        assertEquals(againCold.json(), againResident.json());
    }

    @Test
    void twoClientsOneAfterTheOtherAndAFailedModuleDoesNotBreakTheNext() throws IOException {
        TargetProcess target = targetWithListener();
        startServing("--idle-timeout", "120");
        ExecutorResult bad = viaResident("socket_option", args("pid", target.pid(), "options",
                Map.of("so_rcvbuf", "lots")));
        assertTrue(bad.failed());
        assertTrue(bad.msg().startsWith("options.so_rcvbuf: "), bad.msg());
        ExecutorResult gone = viaResident("socket_info", args("pid", 999_999_999));
        assertTrue(gone.failed(), gone.json().toString());

        ExecutorResult info = viaResident("socket_info", args("pid", target.pid()));
        assertFalse(info.failed(), info.json().toString());
        assertEquals(Executor.ansible("socket_info", args("pid", target.pid())).json(), info.json());
        ExecutorResult unknown = viaResident("no_such_module", args("pid", target.pid()));
        assertTrue(unknown.msg().startsWith("unknown module 'no_such_module'"), unknown.msg());
        assertTrue(resident.isAlive(), "still serving: " + log());
    }

    @Test
    void aForeignUserIsRefusedByThePeerCheckAndNothingRuns() throws IOException {
        TargetProcess target = targetWithListener();
        TargetSocket listener = target.socket("listener");
        startServing("--idle-timeout", "120");
        String request = "{\"pid\": " + target.pid() + ", \"options\": {\"so_rcvbuf\": 65536}}";
        // uid 65534 with CAP_DAC_OVERRIDE reaches the socket through the 0700 directory: only the
        // peer check stands in its way. A raw client of the protocol, which does not check the server.
        String raw = "import os,socket,sys\n"
                + "os.chdir(sys.argv[1]); c=socket.socket(socket.AF_UNIX); c.connect('s')\n"
                + "r=sys.argv[2].encode(); c.sendall(b'livetune-resident 1 socket_option %d\\n' % len(r) + r)\n"
                + "print(c.makefile('rb').readline().decode().strip())\n";
        Process foreign = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_override", "--ambient-caps=+dac_override", "--", PYTHON, "-I", "-S", "-c", raw,
                dir.toString(), request).redirectErrorStream(true).start();
        String answer = new String(foreign.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals("refused peer-user", answer);
        assertEquals(4096 * 2, target.ownOption(listener, "so_rcvbuf"), "nothing was changed");

        // without the capability the 0700 directory stops it first; its client falls back (cold start)
        Reply plain = ask("socket_option", request, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--");
        assertEquals(NOT_SERVED, plain.status(), plain.toString());
        assertEquals("", plain.out());
        assertEquals(4096 * 2, target.ownOption(listener, "so_rcvbuf"), "nothing was changed");

        assertFalse(viaResident("socket_info", args("pid", target.pid())).failed(), "root is still served");
    }

    @Test
    void whatOneRequestLearntAboutTheKernelIsNotReusedByTheNext() throws IOException, InterruptedException {
        // net.core.somaxconn is per network namespace: the target's own, changed between two
        // requests, must show in the second one's clamp (kernel facts read afresh, not cached)
        TargetProcess target = TargetProcess.start(target().inOwnNetworkNamespace().tcpListener("ipv4", 20, 4096));
        targets.add(target);
        startServing("--idle-timeout", "120");
        Map<String, Object> task = args("pid", target.pid(), "state", "listen", "backlog", 4096, "_check_mode", true);
        setSomaxconnOf(target, 100);
        ExecutorResult first = viaResident("socket_option", task);
        assertEquals(100, first.sockets().get(0).path("after").path("backlog").asInt(), first.json().toString());
        setSomaxconnOf(target, 300);
        ExecutorResult second = viaResident("socket_option", task);
        assertEquals(300, second.sockets().get(0).path("after").path("backlog").asInt(), second.json().toString());
        assertTrue(second.warnings().stream().anyMatch(w -> w.contains("net.core.somaxconn") && w.contains("300")),
                second.json().toString());
        assertEquals(Executor.ansible("socket_option", task).json(), second.json(), "= a cold run's");
    }

    private static void setSomaxconnOf(TargetProcess target, int value) throws IOException, InterruptedException {
        Process sysctl = new ProcessBuilder("nsenter", "--net=/proc/" + target.pid() + "/ns/net", "sysctl", "-qw",
                "net.core.somaxconn=" + value).inheritIO().start();
        assertEquals(0, sysctl.waitFor(), "nsenter sysctl");
    }

    @Test
    void itExitsWhenItsJarIsReplaced() throws IOException, InterruptedException {
        Path jar = Files.writeString(temp.resolve("livetune-executor.jar"), "stands for the jar");
        startServing("--idle-timeout", "120", "--jar", jar.toString());
        Path update = Files.writeString(temp.resolve("update.jar"), "a newer jar");
        Files.move(update, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS), "ends when its jar is replaced");
        assertTrue(log().contains("stopped: its jar " + jar + " is gone or replaced"), log());
        assertFalse(Files.exists(dir.resolve("s")), "its socket is gone");
    }

    @Test
    void aRequestThatThrowsAnErrorIsAnsweredAndEndsTheResident() throws Exception {
        // in this JVM, with a runner that throws as a module hitting an Error would
        ByteArrayOutputStream serverLog = new ByteArrayOutputStream();
        io.livetune.executor.resident.ResidentServer server = new io.livetune.executor.resident.ResidentServer(dir,
                Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                io.livetune.executor.resident.Limits.of(java.time.Duration.ofSeconds(120), 10),
                (args, stdin, stdout, stderr) -> {
                    throw new StackOverflowError("planted in " + args[1]);
                }, 70, new java.io.PrintStream(serverLog, true, StandardCharsets.UTF_8));
        String[] stopped = {null};
        Thread serving = new Thread(() -> {
            try {
                stopped[0] = server.serve();
            } catch (IOException e) {
                stopped[0] = "failed: " + e;
            }
        });
        serving.start();
        Await.until(() -> Files.exists(dir.resolve("s")), ready -> ready, "the in-process resident's socket",
                START_SECONDS);
        Reply reply = ask("socket_info", "{}");
        assertEquals(70, reply.status(), reply.toString());
        assertTrue(reply.err().contains("java.lang.StackOverflowError: planted in socket_info"), reply.err());
        serving.join(TimeUnit.SECONDS.toMillis(START_SECONDS));
        assertEquals("a request threw an Error", stopped[0]);
        assertFalse(Files.exists(dir.resolve("s")), "its socket is gone");
    }

    @Test
    void itExitsWhenIdleAndRemovesItsSocket() throws IOException, InterruptedException {
        startServing("--idle-timeout", "1");
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS), "the resident exits when idle");
        assertEquals(0, resident.exitValue(), log());
        assertFalse(Files.exists(dir.resolve("s")), "its socket is gone");
        assertTrue(log().contains("stopped: idle for 1 s"), log());
        assertEquals(NOT_SERVED, ask("socket_info", "{\"pid\": 1}").status(), "a client then falls back");
    }

    @Test
    void itExitsAfterMaxRequestsAndWhenItsSocketIsReplaced() throws IOException, InterruptedException {
        TargetProcess target = targetWithListener();
        startServing("--idle-timeout", "120", "--max-requests", "2");
        viaResident("socket_info", args("pid", target.pid()));
        viaResident("socket_info", args("pid", target.pid()));
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS), "recycled after 2 requests");
        assertTrue(log().contains("stopped: served 2 requests"), log());

        startServing("--idle-timeout", "120");
        Files.delete(dir.resolve("s"));
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS), "ends when its socket is gone");
        assertTrue(log().contains("stopped: its socket"), log());

        startServing("--idle-timeout", "120");
        resident.destroy(); // SIGTERM
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS), "ends on SIGTERM");
        assertFalse(Files.exists(dir.resolve("s")), "and removes its socket");
    }

    @Test
    void aDirectoryThatIsNotPrivateIsRefused() throws IOException, InterruptedException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        resident = startResident("--idle-timeout", "120");
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, resident.exitValue());
        assertTrue(log().contains("refusing to serve: " + dir.toRealPath() + " has mode rwxr-xr-x, not rwx------"),
                log());
        assertFalse(Files.exists(dir.resolve("s")));

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        resident = startResident("--idle-timeout", "120");
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, resident.exitValue());
        assertTrue(log().contains("is owned by nobody, not by root"), log());
        assertFalse(Files.exists(dir.resolve("s")));
    }

    @Test
    void aSecondResidentInTheSameDirectoryLeavesTheFirstServing() throws IOException, InterruptedException {
        TargetProcess target = targetWithListener();
        startServing("--idle-timeout", "120");
        Process second = startResident("--idle-timeout", "120");
        assertTrue(second.waitFor(START_SECONDS, TimeUnit.SECONDS), "the second one exits");
        assertEquals(0, second.exitValue());
        assertTrue(log().contains("stopped: another resident serves"), log());
        assertFalse(viaResident("socket_info", args("pid", target.pid())).failed());
    }

    @Test
    void aWarmUpRunsBeforeTheFirstRequestAgainstAChildOfItsOwnWhichItReaps() throws IOException {
        TargetProcess target = targetWithListener();
        TargetSocket listener = target.socket("listener");
        // asked at once: the request waits in the backlog until the warm-up is done
        startServing("--idle-timeout", "120", "--warm-up", "socket_option");
        Map<String, Object> change = args("pid", target.pid(), "local_port", listener.localPort(), "options",
                Map.of("so_rcvbuf", 32768));
        ExecutorResult changed = viaResident("socket_option", change);
        assertTrue(changed.changed(), changed.json().toString());
        assertEquals(65536, target.ownOption(listener, "so_rcvbuf"), "the target's own getsockopt sees the change");
        assertTrue(log().contains("livetune resident: warmed up with socket_option\n"), log());
        assertEquals(0, resident.toHandle().children().count(), "the warm-up's own target process is gone");
    }

    @Test
    void aWarmUpOfAModuleThatDoesNotExistIsAUsageError() throws IOException, InterruptedException {
        resident = startResident("--idle-timeout", "120", "--warm-up", "no_such_module");
        assertTrue(resident.waitFor(START_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, resident.exitValue(), log());
        assertTrue(log().contains("error: --warm-up: no module no_such_module (one of "), log());
        assertFalse(Files.exists(dir.resolve("s")));
    }
}
