package io.livetune.executor.it;

import io.livetune.executor.nativeio.Architecture;
import io.livetune.executor.preload.PreloadShim;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * liblivetune_preload.so, as the build put it in target/classes/native/, preloaded into a C
 * program (src/test/resources/it/preload_target.c) that hard-codes listen(fd, 20) and its own
 * small SO_RCVBUF. Results are read with tools that are not the shim: ss (backlog, skmem),
 * /proc/PID/status (VmLck) and the program's own getsockopt with its own constants; failing
 * calls are compared with a run without the shim.
 */
class PreloadShimTest extends LiveProcessTest {
    /** The machine the tests run on: the native targets (built with gcc) load its build of the shim. */
    private static final String THIS_MACHINE = Architecture.current().canonicalName();
    /** What the core runs ask for; the program reads each back with getsockopt. */
    private static final String OPTIONS = "so_rcvbuf=100000 so_keepalive=1 tcp_nodelay=1 tcp_keepidle=45 "
            + "so_linger=1:7 so_rcvtimeo=1500 ip_tos=16 tcp_defer_accept=1 so_broadcast=1 ipv6_unicast_hops=9";
    private static final int BACKLOG = 333;
    private static final String[] TCP_ROLES = {"listener", "client", "accepted", "raw-listener", "raw-client",
        "raw-accepted"};
    private static final Pattern SOCKET_LINE = Pattern.compile("^socket (\\S+) (.*)$");

    @TempDir
    static Path dir;
    private static Path target;

    @BeforeAll
    static void compileTarget() {
        target = CTarget.compile(dir, "preload_target", source(), "gcc", "-O1", "-Wall", "-pthread");
    }

    // ---- the core: backlog, options on every kind of socket, mlockall ---------------------

    @Test
    void withoutTheShimTheProgramKeepsItsOwnBacklogAndBuffer() throws IOException {
        try (PreloadedProgram program = PreloadedProgram.start(List.of(target.toString(), "core"), Map.of())) {
            Map<String, Map<String, String>> sockets = sockets(program.readUntil("ready"));
            Ss ss = Ss.tcp(program.pid());
            assertEquals(20, ss.byInode(inode(sockets, "listener")).backlog());
            assertEquals(Kernel.receiveBufferReadBack(4096), ss.byInode(inode(sockets, "listener")).receiveBuffer());
            assertEquals("0", sockets.get("client").get("tcp_nodelay"));
            assertEquals(0, ProcMemory.vmLckKb(program.pid()));
        }
    }

    @Test
    void backlogOptionsAndMemoryLockHoldOnEverySocketTheProgramMakes() throws IOException {
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_MLOCK", "current");
        try (PreloadedProgram program = PreloadedProgram.start(List.of(target.toString(), "core"), env)) {
            assertCore(program, false);
            assertTrue(ProcMemory.vmLckKb(program.pid()) > 0, "VmLck of " + program.pid());
            assertEquals("", program.stderr());
        }
    }

    @Test
    void respectAppLetsTheProgramsOwnSetsockoptWin() throws IOException {
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_RESPECT_APP", "1");
        try (PreloadedProgram program = PreloadedProgram.start(List.of(target.toString(), "core"), env)) {
            assertCore(program, true);
        }
    }

    /** The same core run with the aarch64 build of the shim and of the program, under qemu-user. */
    @Test
    void aarch64BuildUnderQemu() throws IOException {
        assumeTrue(onPath("qemu-aarch64"), "qemu-aarch64 is absent (make deps installs qemu-user)");
        assumeTrue(onPath("aarch64-linux-gnu-gcc"), "aarch64-linux-gnu-gcc is absent (make deps)");
        Path arm = CTarget.compile(dir, "preload_target_aarch64", source(), "aarch64-linux-gnu-gcc", "-O1", "-Wall",
                "-pthread");
        // qemu -E splits its value at commas, and LD_PRELOAD in qemu's own environment would be
        // offered to the x86_64 loader: only LD_PRELOAD goes through -E, LIVETUNE_* through the
        // environment qemu hands on to the program.
        Map<String, String> env = shimEnvironment("aarch64");
        String library = env.remove("LD_PRELOAD");
        // MCL_ONFAULT: the process is qemu, and locking all of it at once would fault in ~200 MB.
        env.put("LIVETUNE_MLOCK", "current,onfault");
        List<String> command = List.of("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-E", "LD_PRELOAD=" + library,
                arm.toString(), "core");
        try (PreloadedProgram program = PreloadedProgram.start(command, env)) {
            assertCore(program, false);
            assertTrue(ProcMemory.vmLckKb(program.pid()) > 0, "VmLck of " + program.pid());
            assertEquals("", program.stderr());
        }
        List<String> errorsCommand = List.of("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", arm.toString(), "errors");
        List<String> withShim = new ArrayList<>(errorsCommand);
        withShim.addAll(3, List.of("-E", "LD_PRELOAD=" + library));
        assertEquals(runToEnd(errorsCommand, Map.of()), runToEnd(withShim, Map.of("LIVETUNE_OPTIONS",
                "so_rcvbuf=100000 tcp_nodelay=1", "LIVETUNE_BACKLOG", "50")));
    }

    private void assertCore(PreloadedProgram program, boolean respectApp) throws IOException {
        Map<String, Map<String, String>> sockets = sockets(program.readUntil("ready"));
        Ss ss = Ss.tcp(program.pid());
        String wantedBuffer = Integer.toString(Kernel.receiveBufferReadBack(100_000));
        String programsBuffer = Integer.toString(Kernel.receiveBufferReadBack(4096));

        for (String listener : List.of("listener", "raw-listener")) {
            assertEquals(Kernel.backlogInForce(BACKLOG), ss.byInode(inode(sockets, listener)).backlog(),
                    listener + ": ss shows the backlog");
        }
        for (String role : TCP_ROLES) {
            Map<String, String> s = sockets.get(role);
            // The program sets SO_RCVBUF 4096 on its listeners and TCP_NODELAY 0 on its clients.
            boolean programsBufferWins = respectApp && role.matches("listener|accepted|raw-listener");
            assertEquals(programsBufferWins ? programsBuffer : wantedBuffer, s.get("so_rcvbuf"), role);
            assertEquals(Long.parseLong(s.get("so_rcvbuf")), ss.byInode(inode(sockets, role)).receiveBuffer(),
                    role + ": ss -m shows the same buffer");
            assertEquals(respectApp && role.matches("client|raw-client") ? "0" : "1", s.get("tcp_nodelay"), role);
            assertEquals("1", s.get("so_keepalive"), role);
            assertEquals("45", s.get("tcp_keepidle"), role);
            assertEquals("1:7", s.get("so_linger"), role);
            assertEquals("1500", s.get("so_rcvtimeo"), role);
            assertEquals("16", s.get("ip_tos"), role);
            assertEquals("0", s.get("so_broadcast"), role + ": so_broadcast is for UDP sockets only");
            assertEquals(role.endsWith("listener") ? "1" : "0", s.get("tcp_defer_accept"),
                    role + ": tcp_defer_accept is for listeners only");
        }
        Map<String, String> udp = sockets.get("udp");
        assertEquals(wantedBuffer, udp.get("so_rcvbuf"));
        assertEquals("1", udp.get("so_broadcast"));
        assertEquals("16", udp.get("ip_tos"));
        Map<String, String> tcp6 = sockets.get("tcp6");
        assertEquals("9", tcp6.get("ipv6_unicast_hops"));
        assertEquals("1", tcp6.get("tcp_nodelay"));
        Map<String, String> unix = sockets.get("unix");
        assertEquals("0", unix.get("so_keepalive"), "a unix socket is left alone");
        assertNotEquals(wantedBuffer, unix.get("so_rcvbuf"), "a unix socket is left alone");
    }

    /**
     * A real program no one here wrote: Debian's redis-server, whose config says tcp-backlog 511
     * and which sets TCP_KEEPIDLE 300 on each client connection itself. It serves; ss shows our
     * backlog and buffer on its listener and our keepalive idle time on its connection.
     */
    @Test
    void redisServesWithTheWantedBacklogBufferAndKeepalive() throws Exception {
        assumeTrue(onPath("redis-server"), "redis-server is absent (apt-get install redis-server)");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path data = Files.createDirectories(dir.resolve("redis"));
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_BACKLOG", "1000");
        env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_keepidle=45");
        List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", data.toString(), "--daemonize", "no");
        try (PreloadedProgram redis = PreloadedProgram.start(command, env)) {
            redis.readUntil("Ready to accept connections", line -> line.contains("Ready to accept connections"));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = new byte[7];
                assertEquals(7, client.getInputStream().readNBytes(answer, 0, 7));
                assertEquals("+PONG\r\n", new String(answer, StandardCharsets.US_ASCII));

                Ss.SsSocket listener = Ss.tcp(redis.pid()).sockets().stream()
                        .filter(s -> s.state().equals("LISTEN") && s.local().endsWith(":" + port)).findFirst()
                        .orElseThrow(() -> new AssertionError("ss shows no listener on port " + port));
                assertEquals(Kernel.backlogInForce(1000), listener.backlog());
                assertEquals(Kernel.receiveBufferReadBack(100_000), listener.receiveBuffer());
                // redis asked for 300 s; the keepalive timer of its side of our connection counts down from 45
                String timers = Commands.run("nsenter", "-t", Long.toString(redis.pid()), "-n", "ss", "-Htno",
                        "state", "established", "sport = :" + port).requireSuccess().stdout();
                Matcher keepalive = Pattern.compile("timer:\\(keepalive,(\\d+)(?:\\.\\d+)?sec").matcher(timers);
                assertTrue(keepalive.find(), "no keepalive timer of under a minute on redis's connection: " + timers);
                assertTrue(Integer.parseInt(keepalive.group(1)) <= 45, timers);
            }
        }
    }

    // ---- the shim never changes what the program sees ------------------------------------

    @Test
    void failingAndSuccessfulCallsGiveTheSameResultsAndErrnoAsWithoutTheShim() {
        List<String> without = runToEnd(List.of(target.toString(), "errors"), Map.of());
        assertTrue(without.contains(line(without, "listen(1000, 5)")) && line(without, "listen(1000, 5)")
                .endsWith("-> -1 errno=Bad file descriptor"), String.join("\n", without));
        assertTrue(line(without, "setsockopt(tcp, SOL_SOCKET, 9999").endsWith("errno=Protocol not available"));

        Map<String, String> unrelated = shimEnvironment(THIS_MACHINE);
        unrelated.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_nodelay=1 tcp_keepidle=30");
        assertEquals(without, runToEnd(List.of(target.toString(), "errors"), unrelated));

        // The program's own calls of configured options pass through as they are with respect_app...
        Map<String, String> respected = shimEnvironment(THIS_MACHINE);
        respected.put("LIVETUNE_OPTIONS", "so_keepalive=1 tcp_congestion=reno");
        respected.put("LIVETUNE_RESPECT_APP", "1");
        assertEquals(without, runToEnd(List.of(target.toString(), "errors"), respected));

        // ...and by default are made with the wanted value: then the result is that call's.
        respected.remove("LIVETUNE_RESPECT_APP");
        List<String> overridden = runToEnd(List.of(target.toString(), "errors"), respected);
        for (int i = 0; i < without.size(); i++) {
            String call = without.get(i);
            boolean ours = call.startsWith("setsockopt(tcp, SOL_SOCKET, SO_KEEPALIVE")
                    || call.startsWith("setsockopt(tcp, IPPROTO_TCP, TCP_CONGESTION");
            assertEquals(ours ? call.replaceAll("-> .*", "-> ok errno=untouched") : call, overridden.get(i));
        }
    }

    @Test
    void manyThreadsMakingConnectingAcceptingAndClosingSocketsAtOnce() {
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_nodelay=1");
        env.remove("LIVETUNE_BACKLOG"); // the program's 4096: a queue of 333 would overflow and retransmit SYNs
        List<String> out = runToEnd(List.of(target.toString(), "threads", "32", "200",
                Integer.toString(Kernel.receiveBufferReadBack(100_000))), env);
        assertEquals(List.of("threads=32 sockets=6400 wrong=0"), out);
    }

    @Test
    void forkedChildrenKeepTheShimExecdOnesLoadItAgainUnlessLdPreloadIsGone() {
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_nodelay=1");
        env.put("LIVETUNE_MLOCK", "current");
        Map<String, Map<String, String>> who = new HashMap<>();
        for (String line : runToEnd(List.of(target.toString(), "fork"), env)) {
            String[] words = line.split(" ");
            Map<String, String> values = new HashMap<>();
            for (int i = 1; i < words.length; i++) {
                values.put(words[i].split("=")[0], words[i].split("=")[1]);
            }
            who.put(words[0], values);
        }
        String wanted = Integer.toString(Kernel.receiveBufferReadBack(100_000));
        for (String child : List.of("parent", "forked", "exec")) {
            assertEquals(wanted, who.get(child).get("so_rcvbuf"), child + " " + who);
            assertEquals("1", who.get(child).get("tcp_nodelay"), child + " " + who);
        }
        assertTrue(Long.parseLong(who.get("parent").get("vmlck_kb")) > 0, who.toString());
        assertEquals("0", who.get("forked").get("vmlck_kb"), "fork(2) does not pass memory locks on: " + who);
        assertTrue(Long.parseLong(who.get("exec").get("vmlck_kb")) > 0, "the exec'd child loads the shim again");
        assertEquals("0", who.get("exec-without-preload").get("tcp_nodelay"), who.toString());
        assertNotEquals(wanted, who.get("exec-without-preload").get("so_rcvbuf"), who.toString());
        assertEquals("0", who.get("exec-without-preload").get("vmlck_kb"), who.toString());
    }

    @Test
    void aBadConfigurationIsReportedOnceAndTheRestApplies() {
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 bogus=1 tcp_nodelay=1 so_keepalive=maybe noequals");
        env.put("LIVETUNE_BACKLOG", "lots");
        env.put("LIVETUNE_MLOCK", "sometimes");
        env.put("LIVETUNE_TRACE", "file");
        env.put("LIVETUNE_RESPECT_APP", "yes");
        List<String> command = List.of(target.toString(), "threads", "8", "50",
                Integer.toString(Kernel.receiveBufferReadBack(100_000)));
        try (PreloadedProgram program = PreloadedProgram.run(command, env)) {
            assertEquals(List.of("threads=8 sockets=400 wrong=0"), program.stdout());
            assertEquals(0, program.exitStatus());
            assertEquals(List.of(
                    "livetune-preload: LIVETUNE_BACKLOG: 'lots' is not an integer from 0 to 2147483647, ignored",
                    "livetune-preload: LIVETUNE_OPTIONS: unknown option 'bogus' ignored",
                    "livetune-preload: LIVETUNE_OPTIONS: so_keepalive: 'maybe' is not 1 or 0, ignored",
                    "livetune-preload: LIVETUNE_OPTIONS: 'noequals' is not name=value, ignored",
                    "livetune-preload: LIVETUNE_MLOCK: unknown flag 'sometimes' ignored (current, future, onfault)",
                    "livetune-preload: LIVETUNE_TRACE: 'file' is neither stderr nor syslog, ignored",
                    "livetune-preload: LIVETUNE_RESPECT_APP: 'yes' is neither 1 nor 0, ignored"),
                    program.stderrLines());
        }
    }

    // ---- trace ----------------------------------------------------------------------------

    @Test
    void traceLinesNameProgramPidOptionValueFdAndResult() {
        for (boolean respectApp : new boolean[] {false, true}) {
            Map<String, String> env = shimEnvironment(THIS_MACHINE);
            env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_nodelay=1");
            env.put("LIVETUNE_BACKLOG", "77");
            env.put("LIVETUNE_TRACE", "stderr");
            env.put("LIVETUNE_RESPECT_APP", respectApp ? "1" : "0");
            try (PreloadedProgram program = PreloadedProgram.run(List.of(target.toString(), "trace"), env)) {
                String fd = program.stdout().get(0).replace("trace fd=", "");
                String me = "preload_target (pid " + program.pid() + ")";
                assertEquals(expectedTrace(me, fd, respectApp), program.stderrLines());
            }
        }
    }

    private static List<String> expectedTrace(String me, String fd, boolean respectApp) {
        return List.of(
                me + " sets TCP_NODELAY=1 on fd " + fd + ": ok",
                me + " sets 6:9999=? on fd " + fd + ": Protocol not available",
                me + " sets SO_LINGER=1:5 on fd " + fd + ": ok",
                me + " sets SO_RCVTIMEO=1500 on fd " + fd + ": ok",
                me + " sets TCP_CONGESTION=reno on fd " + fd + ": ok",
                me + " sets SO_RCVBUF=1 on fd " + fd + ": ok" + (respectApp ? "" : " (livetune made it 100000)"),
                me + " listen(fd " + fd + ", backlog 20): ok (livetune made it 77)",
                me + " listen(fd 1000, backlog 20): Bad file descriptor (livetune made it 77)");
    }

    /**
     * LIVETUNE_TRACE=syslog: the lines reach /dev/log. The test's own /dev/log is a datagram
     * socket in a private mount namespace (a tmpfs over /dev), read by a Python helper.
     */
    @Test
    void traceToSyslog() {
        assumeTrue(Kernel.isRoot(), "a private /dev/log needs root (unshare --mount)");
        String helper = String.join("\n",
                "import os, socket, subprocess, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind('/dev/log')",
                "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)",
                "s.setblocking(False)",
                "print(p.stdout.decode().strip())",
                "while True:",
                "    try:",
                "        print(s.recv(4096).decode().strip())",
                "    except BlockingIOError:",
                "        break",
                "");
        Map<String, String> env = shimEnvironment(THIS_MACHINE);
        env.put("LIVETUNE_OPTIONS", "so_rcvbuf=100000 tcp_nodelay=1");
        env.put("LIVETUNE_BACKLOG", "77");
        env.put("LIVETUNE_TRACE", "syslog");
        try (PreloadedProgram program = PreloadedProgram.run(List.of("unshare", "--mount", "--propagation", "private",
                "sh", "-c", "mount -t tmpfs livetune-test /dev && exec python3 -c \"$0\" \"$@\"", helper,
                target.toString(), "trace"), env)) {
            List<String> out = program.stdout();
            assertTrue(out.size() == 9 && out.get(0).startsWith("trace fd="), out + "\n" + program.stderr());
            String fd = out.get(0).replace("trace fd=", "");
            Matcher pid = Pattern.compile("preload_target \\(pid (\\d+)\\)").matcher(out.get(1));
            assertTrue(pid.find(), out.get(1));
            List<String> expected = expectedTrace("preload_target (pid " + pid.group(1) + ")", fd, false);
            for (int i = 0; i < expected.size(); i++) {
                // "<14>Nov 30 18:54:01 preload_target: " and then our line
                assertTrue(out.get(i + 1).matches("<14>.* preload_target: \\Q" + expected.get(i) + "\\E"),
                        out.get(i + 1) + "\n is not the syslog record of\n" + expected.get(i));
            }
            assertEquals("", program.stderr());
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** LD_PRELOAD pointing at the build's library for that machine, and the core's settings. */
    private static Map<String, String> shimEnvironment(String machine) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LD_PRELOAD", library(machine).toString());
        env.put("LIVETUNE_BACKLOG", Integer.toString(BACKLOG));
        env.put("LIVETUNE_OPTIONS", OPTIONS);
        return env;
    }

    static Path library(String machine) {
        String resource = PreloadShim.resourceFor(machine).orElseThrow();
        URL url = PreloadShimTest.class.getClassLoader().getResource(resource);
        assertTrue(url != null && url.getProtocol().equals("file"),
                resource + " is not in target/classes: the Maven build (process-classes) compiles it");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> runToEnd(List<String> command, Map<String, String> env) {
        try (PreloadedProgram program = PreloadedProgram.run(command, env)) {
            assertEquals(0, program.exitStatus(), command + " printed " + program.stdout() + "\n" + program.stderr());
            assertEquals("", program.stderr(), command + ": stderr");
            return program.stdout();
        }
    }

    private static String line(List<String> lines, String start) {
        return lines.stream().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + start + " in " + lines));
    }

    /** "socket ROLE k=v k=v..." lines: role -> option -> value ("-": the socket has no such option). */
    private static Map<String, Map<String, String>> sockets(List<String> lines) {
        Map<String, Map<String, String>> sockets = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = SOCKET_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (String pair : m.group(2).split(" ")) {
                values.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
            sockets.put(m.group(1), values);
        }
        return sockets;
    }

    private static long inode(Map<String, Map<String, String>> sockets, String role) {
        return Long.parseLong(sockets.get(role).get("ino"));
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private static String source() {
        try (InputStream in = PreloadShimTest.class.getResourceAsStream("/it/preload_target.c")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
