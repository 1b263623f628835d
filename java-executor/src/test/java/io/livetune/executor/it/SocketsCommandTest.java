package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.SocketAssertions.uniqueName;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code java -jar livetune-executor.jar sockets}: the table, its filters, --json, --help and --watch. */
@Tag(Executor.EVERY_METHOD)
class SocketsCommandTest extends LiveProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\b.*");

    /** One row of the table: the columns of netstat -tanp plus Options. */
    record Row(String proto, String recvQ, String sendQ, String local, String foreign, String state,
               String owners, String options) {
        boolean shows(String option) {
            return Pattern.compile("(^|,)" + Pattern.quote(option) + "(,|$)").matcher(options).find();
        }

        boolean showsOptionNamed(String name) {
            return Pattern.compile("(^|,)" + Pattern.quote(name) + "=").matcher(options).find();
        }
    }

    private static List<Row> rows(Cli.Result result) {
        assertEquals(0, result.status(), result::toString);
        List<String> lines = result.lines();
        assertFalse(lines.isEmpty(), "no output" + result);
        String header = lines.get(0);
        for (String column : List.of("Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State",
                "PID/Program", "Options")) {
            assertTrue(header.contains(column), "header column " + column + result);
        }
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] c = line.split("\\s+", 8);
            if (c.length < 7) {
                fail("a row with fewer than 7 columns: '" + line + "'" + result);
            }
            rows.add(new Row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c.length > 7 ? c[7].strip() : ""));
        }
        return rows;
    }

    private static String local(TargetSocket socket) {
        return (socket.family().equals("ipv6") ? "[" + socket.localAddress() + "]" : socket.localAddress())
                + ":" + socket.localPort();
    }

    private static Row rowOf(List<Row> rows, TargetSocket socket, TargetProcess target, Cli.Result result) {
        List<Row> matching = rows.stream().filter(r -> r.local().equals(local(socket))
                && r.owners().contains(target.pid() + "/")
                && r.foreign().endsWith(":" + (socket.remotePort() == null ? "*" : socket.remotePort()))).toList();
        assertEquals(1, matching.size(), "one row for " + socket + result);
        return matching.get(0);
    }

    private static Set<String> locals(List<Row> rows) {
        return rows.stream().map(r -> r.local() + " " + r.foreign()).collect(Collectors.toSet());
    }

    private static Set<String> locals(List<TargetSocket> sockets, TargetProcess target) {
        return sockets.stream().map(s -> local(s) + " " + foreign(s, target)).collect(Collectors.toSet());
    }

    private static String foreign(TargetSocket socket, TargetProcess target) {
        if (socket.remotePort() == null) {
            return socket.family().equals("ipv6") ? "[::]:*" : "0.0.0.0:*";
        }
        return local(new TargetSocket("", 0, 0, socket.family(), "", socket.localAddress(), socket.remotePort(), null));
    }

    @Test
    void theTableNamesTheProcessAndShowsOnlyOptionsThatDifferFromTheDefaultUnlessAll() {
        String name = uniqueName("lt-tbl-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 17, 4096).udp("ipv4", 4096));
        TargetSocket listener = target.socket("listener");
        TargetSocket udp = target.socket("udp");
        JsonNode own = target.setOwnOptions(listener, Map.of("so_keepalive", 1, "tcp_nodelay", 1));
        target.setOwnOptions(udp, Map.of("so_broadcast", 1));

        Cli.Result table = Cli.run("sockets", "-p", Long.toString(target.pid()));
        List<Row> rows = rows(table);
        assertEquals(2, rows.size(), table::toString);
        Row l = rowOf(rows, listener, target, table);
        assertEquals("tcp", l.proto(), table::toString);
        assertEquals("LISTEN", l.state(), table::toString);
        assertEquals(target.pid() + "/" + name, l.owners(), table::toString);
        Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(listener.inode());
        assertEquals(Long.toString(seen.backlog()), l.sendQ(), "Send-Q of a listener is its backlog, as in ss" + table);
        assertEquals("17", l.sendQ(), table::toString);
        assertEquals(Long.toString(seen.recvQ()), l.recvQ(), "Recv-Q of a listener is its accept queue, as in ss" + table);
        assertTrue(l.shows("SO_KEEPALIVE=1"), "changed by the test" + table);
        assertTrue(l.shows("TCP_NODELAY=1"), "changed by the test" + table);
        assertTrue(l.shows("SO_RCVBUF=" + own.path("so_rcvbuf").asInt()), "set before listen by the test" + table);
        for (String untouched : List.of("SO_REUSEPORT", "SO_REUSEADDR", "TCP_KEEPCNT", "TCP_KEEPIDLE", "SO_LINGER",
                "IP_TTL", "SO_SNDBUF", "TCP_CONGESTION", "SO_RCVTIMEO")) {
            assertFalse(l.showsOptionNamed(untouched), untouched + " is at its default: not shown without --all" + table);
        }
        Row u = rowOf(rows, udp, target, table);
        assertEquals("udp", u.proto(), table::toString);
        assertEquals("UNCONN", u.state(), table::toString);
        assertTrue(u.shows("SO_BROADCAST=1"), table::toString);
        assertFalse(u.showsOptionNamed("SO_KEEPALIVE"), table::toString);
        assertFalse(u.showsOptionNamed("TCP_NODELAY"), "no TCP option on a UDP socket" + table);

        Cli.Result everything = Cli.run("sockets", "-p", Long.toString(target.pid()), "--all");
        Row all = rowOf(rows(everything), listener, target, everything);
        JsonNode now = target.ownOptions(listener.fd());
        for (String shown : List.of("SO_KEEPALIVE=1", "TCP_NODELAY=1", "SO_REUSEPORT=0", "SO_REUSEADDR=0",
                "SO_LINGER=(0,0)", "TCP_KEEPCNT=" + now.path("tcp_keepcnt").asInt(),
                "TCP_KEEPIDLE=" + now.path("tcp_keepidle").asInt(), "IP_TTL=" + now.path("ip_ttl").asInt(),
                "SO_SNDBUF=" + now.path("so_sndbuf").asInt(), "TCP_CONGESTION=" + now.path("tcp_congestion").asText())) {
            assertTrue(all.shows(shown), shown + " with --all" + everything);
        }
    }

    @Test
    void filtersPickProtocolFamilyStatePortPidAndProcess() {
        assumeTrue(Files.exists(Path.of("/proc/net/if_inet6")), "IPv6 is disabled on this host");
        String nameA = uniqueName("lt-fa-");
        String nameB = uniqueName("lt-fb-");
        TargetProcess a = start(target().named(nameA).tcpListener("ipv4", 20, 4096).tcpListener("ipv6", 20, 4096)
                .udp("ipv4", 4096).udp("ipv6", 4096).tcpPair("ipv4"));
        TargetProcess b = start(target().named(nameB).udp("ipv4", 4096));
        String pid = Long.toString(a.pid());
        TargetSocket v4 = a.sockets("listener").get(0);
        TargetSocket v6 = a.sockets("listener").get(1);
        TargetSocket udp4 = a.sockets("udp").get(0);
        TargetSocket udp6 = a.sockets("udp").get(1);
        TargetSocket pairListener = a.socket("pair_listener");
        TargetSocket client = a.socket("client");
        TargetSocket server = a.socket("server");

        checkFilter(a, List.of(v4, v6, udp4, udp6, pairListener, client, server), "sockets", "-p", pid);
        checkFilter(a, List.of(v4, v6, pairListener, client, server), "sockets", "-p", pid, "-t");
        checkFilter(a, List.of(udp4, udp6), "sockets", "-p", pid, "-u");
        checkFilter(a, List.of(v4, v6, udp4, udp6, pairListener), "sockets", "-p", pid, "-l");
        checkFilter(a, List.of(v4, udp4, pairListener, client, server), "sockets", "-p", pid, "-4");
        checkFilter(a, List.of(v6, udp6), "sockets", "-p", pid, "-6");
        checkFilter(a, List.of(v4, pairListener), "sockets", "-p", pid, "-t", "-l", "-4");
        checkFilter(a, List.of(udp6), "sockets", "-p", pid, "-u", "-6");
        checkFilter(a, List.of(v4), "sockets", "-p", pid, "--port", Integer.toString(v4.localPort()));
        checkFilter(a, List.of(pairListener, server), "sockets", "-p", pid, "--port",
                Integer.toString(pairListener.localPort()));
        checkFilter(a, List.of(v4, v6, udp4, udp6, pairListener, client, server), "sockets", "--process", nameA);
        checkFilter(a, List.of(udp4, udp6), "sockets", "--process", "lt-fa-.*", "-u");

        Cli.Result both = Cli.run("sockets", "-p", a.pid() + "," + b.pid(), "-u", "-4");
        List<Row> rows = rows(both);
        assertEquals(2, rows.size(), both::toString);
        assertEquals(a.pid() + "/" + nameA, rowOf(rows, udp4, a, both).owners(), both::toString);
        assertEquals(b.pid() + "/" + nameB, rowOf(rows, b.socket("udp"), b, both).owners(), both::toString);
    }

    private static void checkFilter(TargetProcess target, List<TargetSocket> expected, String... argv) {
        Cli.Result result = Cli.run(argv);
        List<Row> rows = rows(result);
        assertEquals(locals(expected, target), locals(rows), "rows of " + List.of(argv) + result);
        assertEquals(expected.size(), rows.size(), "one row per socket" + result);
        for (Row row : rows) {
            assertTrue(row.owners().startsWith(target.pid() + "/"), "only the target's sockets" + result);
        }
        for (TargetSocket socket : expected) {
            Row row = rowOf(rows, socket, target, result);
            String proto = socket.protocol() + (socket.family().equals("ipv6") ? "6" : "");
            assertEquals(proto, row.proto(), result::toString);
            String state = socket.protocol().equals("udp") ? "UNCONN"
                    : socket.remotePort() == null ? "LISTEN" : "ESTABLISHED";
            assertEquals(state, row.state(), result::toString);
        }
    }

    @Test
    void theOptionsColumnComparesWithTheDefaultsOfTheProcesssOwnNetworkNamespace() {
        assumeTrue(Kernel.isRoot(), "unshare -n needs root");
        String name = uniqueName("lt-tns-");
        TargetProcess target = start(target().named(name).inOwnNetworkNamespace().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        target.setOwnOptions(listener, Map.of("so_keepalive", 1));
        Cli.Result table = Cli.run("sockets", "-p", Long.toString(target.pid()));
        List<Row> rows = rows(table);
        assertEquals(1, rows.size(), table::toString);
        Row row = rowOf(rows, listener, target, table);
        assertEquals("20", row.sendQ(), table::toString);
        assertTrue(row.shows("SO_KEEPALIVE=1"), table::toString);
        assertTrue(row.shows("SO_RCVBUF=" + Kernel.receiveBufferReadBack(4096)), table::toString);
        for (String untouched : List.of("TCP_KEEPCNT", "SO_REUSEPORT", "SO_LINGER", "IP_TTL", "TCP_CONGESTION")) {
            assertFalse(row.showsOptionNamed(untouched), untouched + " is at the namespace's default" + table);
        }
    }

    @Test
    void jsonPrintsWhatTheModuleReturns() throws IOException {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).udp("ipv4", 4096).tcpPair("ipv4"));
        String pid = Long.toString(target.pid());

        compareWithModule(Cli.run("sockets", "--json", "-p", pid), args("pid", target.pid()));
        compareWithModule(Cli.run("sockets", "--json", "-p", pid, "-t", "-l"),
                args("pid", target.pid(), "protocol", "tcp", "state", "listen"));
        compareWithModule(Cli.run("sockets", "--json", "-p", pid, "-u", "-4", "--port",
                        Integer.toString(target.socket("udp").localPort())),
                args("pid", target.pid(), "protocol", "udp", "family", "ipv4",
                        "local_port", target.socket("udp").localPort()));
    }

    @Test
    void jsonIsOneCompactLineAndPrettyIndentsTheSameResult() throws IOException {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).tcpPair("ipv6"));
        String pid = Long.toString(target.pid());
        Cli.Result compact = Cli.run("sockets", "--json", "-p", pid);
        Cli.Result pretty = Cli.run("sockets", "--json", "--pretty", "-p", pid);
        assertEquals(0, compact.status(), compact::toString);
        assertEquals(0, pretty.status(), pretty::toString);
        assertEquals(1, compact.stdout().strip().lines().count(), "compact: one line" + compact);
        assertTrue(pretty.stdout().strip().lines().count() > 50, "--pretty: a field a line" + pretty);
        JsonNode fromCompact = JSON.readTree(compact.stdout());
        JsonNode fromPretty = JSON.readTree(pretty.stdout());
        int sockets = target.sockets().size();
        assertEquals(sockets, fromCompact.path("sockets").size(), compact.toString());
        assertEquals(sockets, fromPretty.path("sockets").size(), pretty.toString());
        // Two readings of live sockets: identity and options are the same (queues may move).
        for (int i = 0; i < sockets; i++) {
            JsonNode a = fromCompact.path("sockets").path(i);
            JsonNode b = fromPretty.path("sockets").path(i);
            assertEquals(a.path("inode"), b.path("inode"), "same order" + compact + pretty);
            assertEquals(a.path("options"), b.path("options"), "same options" + compact + pretty);
        }
        Cli.Result alone = Cli.run("sockets", "--pretty", "-p", pid);
        assertEquals(2, alone.status(), alone::toString);
        assertTrue(alone.stderr().contains("--pretty"), "the error names --pretty" + alone);
    }

    private static void compareWithModule(Cli.Result cli, Map<String, Object> moduleArgs) throws IOException {
        assertEquals(0, cli.status(), cli::toString);
        JsonNode printed = JSON.readTree(cli.stdout());
        ExecutorResult module = Executor.ansible("socket_info", moduleArgs);
        String context = cli.toString() + module;
        assertFalse(module.failed(), context);
        assertTrue(printed.isObject(), "--json prints one object" + context);
        assertEquals(fieldNames(module.json()), fieldNames(printed), "the same top-level fields" + context);
        assertEquals(printed.path("changed"), module.json().path("changed"), context);
        assertEquals(printed.path("failed"), module.json().path("failed"), context);
        assertEquals(printed.path("msg"), module.json().path("msg"), context);
        List<Long> printedInodes = new ArrayList<>();
        printed.path("sockets").forEach(s -> printedInodes.add(s.path("inode").asLong()));
        List<Long> moduleInodes = module.sockets().stream().map(s -> s.path("inode").asLong()).toList();
        assertEquals(moduleInodes, printedInodes, "the same sockets in the same order" + context);
        assertFalse(moduleInodes.isEmpty(), context);
        for (JsonNode socket : printed.path("sockets")) {
            JsonNode fromModule = module.socket(socket.path("inode").asLong());
            assertEquals(fieldNames(fromModule), fieldNames(socket), "the same fields per socket" + context);
            assertEquals(fromModule.path("options"), socket.path("options"), "the same option values" + context);
            for (String field : List.of("protocol", "family", "state", "local", "remote", "netns", "owners", "backlog")) {
                assertEquals(fromModule.path(field), socket.path(field), field + context);
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    @Test
    void helpExitsZeroWithExamplesAndABadOptionIsRefused() {
        Cli.Result help = Cli.run("sockets", "--help");
        assertEquals(0, help.status(), help::toString);
        assertTrue(help.stdout().contains("Examples:"), help::toString);
        for (String option : List.of("-t", "-u", "-l", "-4", "-6", "-p", "--port", "--process", "--all", "--json", "--pretty",
                "--watch")) {
            assertTrue(help.stdout().contains(option), "--help documents " + option + help);
        }
        assertTrue(help.stdout().lines().anyMatch(l -> l.strip().startsWith("sockets ")), "examples run sockets" + help);

        Cli.Result bad = Cli.run("sockets", "--no-such-option");
        assertNotEquals(0, bad.status(), bad::toString);
        assertTrue(bad.stderr().contains("--no-such-option"), "the error names the option" + bad);
        assertFalse(bad.stderr().contains("\tat "), "no stack trace" + bad);
    }

    @Test
    void badArgumentsGetAClearMessageAndNoStackTrace() {
        TargetProcess gone = start(target().tcpListener("ipv4", 20, 4096));
        long gonePid = gone.pid();
        gone.exitAndWait();
        assumeTrue(ProcessHandle.of(gonePid).isEmpty(), "the pid was reused at once");
        Cli.Result noProcess = Cli.run("sockets", "-p", Long.toString(gonePid));
        assertEquals(1, noProcess.status(), noProcess::toString);
        assertTrue(noProcess.stderr().contains(Long.toString(gonePid)), "the error names the pid" + noProcess);

        Cli.Result badRegex = Cli.run("sockets", "--process", "(");
        assertNotEquals(0, badRegex.status(), badRegex::toString);
        assertTrue(badRegex.stderr().contains("process"), "the error names the field" + badRegex);

        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        Cli.Result negativeInterval = Cli.run("sockets", "-p", Long.toString(target.pid()), "--watch", "-1", "--count", "1");
        assertNotEquals(0, negativeInterval.status(), negativeInterval::toString);
        assertTrue(negativeInterval.stderr().contains("--watch"), "the error names --watch" + negativeInterval);

        for (Cli.Result result : List.of(noProcess, badRegex, negativeInterval)) {
            assertFalse(result.stderr().contains("\tat ") || result.stderr().contains("Exception"),
                    "no Java stack trace" + result);
        }
    }

    @Test
    void watchWithACountStopsByItselfAndPrintsNothingWhenNothingChanges() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).udp("ipv4", 4096));
        Cli.Result result = Cli.run("sockets", "-p", Long.toString(target.pid()), "--watch", "0.1", "--count", "3");
        List<Row> rows = rows(result); // every line after the header is a table row: no change was printed
        assertEquals(2, rows.size(), result::toString);
        assertTrue(result.lines().stream().noneMatch(l -> TIMESTAMP.matcher(l).matches()), result::toString);
    }

    @Test
    void watchPrintsOptionChangesAndOpenedAndClosedSockets() {
        String name = uniqueName("lt-watch-");
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String pid = Long.toString(target.pid());
        try (Cli.Running watch = Cli.start("sockets", "-p", pid, "--watch", "0.2", "--count", "250")) {
            watch.awaitLine(l -> l.contains(local(listener)) && l.contains("LISTEN"), "the first table's listener row", 20);

            target.setOwnOptions(listener, Map.of("so_keepalive", 1));
            String change = watch.awaitLine(l -> l.contains("SO_KEEPALIVE=0 -> SO_KEEPALIVE=1"),
                    "the SO_KEEPALIVE change", 20);
            assertTrue(TIMESTAMP.matcher(change).matches(), "timestamped: " + change);
            assertTrue(change.contains("pid " + pid), "names the pid: " + change);
            assertTrue(change.contains(name), "names the process: " + change);
            assertTrue(change.contains(local(listener)), "names the socket: " + change);

            ExecutorResult backlog = Executor.socketOption(args("pid", target.pid(), "fd", listener.fd(), "backlog", 64));
            assertTrue(backlog.changed(), backlog::toString);
            String backlogLine = watch.awaitLine(l -> l.contains("backlog 20 -> 64"), "the backlog change", 20);
            assertTrue(TIMESTAMP.matcher(backlogLine).matches() && backlogLine.contains("pid " + pid), backlogLine);

            TargetSocket udp = target.openSocket(Map.of("kind", "udp", "family", "ipv4", "rcvbuf", 4096)).get(0);
            String opened = watch.awaitLine(l -> l.contains("opened") && l.contains(local(udp)), "the opened socket", 20);
            assertTrue(TIMESTAMP.matcher(opened).matches(), "timestamped: " + opened);
            assertTrue(opened.contains("pid " + pid) && opened.contains("udp"), opened);

            target.closeSocket(udp);
            String closed = watch.awaitLine(l -> l.contains("closed") && l.contains(local(udp)), "the closed socket", 20);
            assertTrue(TIMESTAMP.matcher(closed).matches(), "timestamped: " + closed);
            assertTrue(closed.contains("pid " + pid), closed);
            assertTrue(watch.isRunning(), "the watch keeps running" + watch);
        }
    }

    /**
     * At 0.1 s a reading reaches 100 sockets through getsockopt, in turns: with 251 the
     * listener is reached every third reading, and between its turns it keeps the values of
     * its last one, so its option change is printed once, and nothing else is.
     */
    @Test
    void watchOfMoreSocketsThanAReadingReachesSeesAChangeInTheirTurnAndNothingElse() {
        TargetSpec spec = target().tcpListener("ipv4", 20, 4096);
        for (int i = 0; i < 250; i++) {
            spec.udp("ipv4", 4096);
        }
        TargetProcess target = start(spec);
        TargetSocket listener = target.socket("listener");
        try (Cli.Running watch = Cli.start("sockets", "-p", Long.toString(target.pid()), "--watch", "0.1")) {
            watch.awaitLine(l -> l.contains(local(listener)) && l.contains("LISTEN"), "the first table's listener row", 20);
            target.setOwnOptions(listener, Map.of("so_keepalive", 1));
            List<String> printed = new ArrayList<>();
            watch.awaitLine(l -> {
                if (TIMESTAMP.matcher(l).matches()) {
                    printed.add(l);
                }
                return l.contains("SO_KEEPALIVE=0 -> SO_KEEPALIVE=1");
            }, "the SO_KEEPALIVE change", 30);
            assertEquals(1, printed.size(), "only the change was printed: " + printed);
            assertTrue(printed.get(0).contains(local(listener)), printed.get(0));
        }
    }

    @Test
    void watchEndsCleanlyOnSigint() throws IOException, InterruptedException {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File stderrFile = File.createTempFile("livetune-it-watch", ".err");
        Process watch = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.livetune.executor.Main", "sockets", "-p", Long.toString(target.pid()), "--watch", "0.2")
                .redirectError(stderrFile).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> seen = new ArrayList<>();
            while (seen.stream().noneMatch(l -> l.contains(local(listener)))) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("the watch printed no table within 30 s: " + seen + "\nstderr: " + Files.readString(stderrFile.toPath()));
                }
                seen.add(line);
            }
            Commands.run("kill", "-INT", Long.toString(watch.pid())).requireSuccess();
            assertTrue(watch.waitFor(15, TimeUnit.SECONDS), "Ctrl-C ends the watch");
            String stderr = Files.readString(stderrFile.toPath());
            assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), "no stack trace on Ctrl-C: " + stderr);
            assertTrue(watch.exitValue() == 0 || watch.exitValue() == 130, "exit status " + watch.exitValue());
        } finally {
            watch.destroyForcibly();
            stderrFile.delete();
        }
    }
}
