package io.livetune.executor.it;

import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.sockets.VisitMoments;
import io.livetune.executor.sockets.VisitMoments.Moment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input over the whole surface, as data: every case of {@code bad-input/corpus.json} (a
 * module's arguments, its raw stdin, or a CLI command line) must be refused with a message
 * that names the field (or the pid or path it is about) and says the rule, without a stack
 * trace, with the exit status Ansible (1, failed=true) or picocli (2 for a usage error, 1 for
 * a failure found on a process) expects, and with nothing changed on the host: the sockets
 * of a witness process and of this JVM (the executor's own pid) as {@code ss -tuanpemio}
 * shows them, the witness's own getsockopt of each of its sockets, and the memory locking
 * (VmLck, VmFlags lo) of the witness, this JVM and pid 1 are compared before and after.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CORPUS = "/bad-input/corpus.json";
    /** A fully qualified exception class name: an internal error leaked. */
    private static final Pattern JAVA_THROWABLE_NAME =
            Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*(Exception|Error)\\b");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$([A-Z]+)");
    private static final Pattern SKMEM_BUFFERS = Pattern.compile("skmem:\\(r\\d+,rb(\\d+),t\\d+,tb(\\d+)");
    private static final Pattern INODE = Pattern.compile("\\bino:(\\d+)");
    /** PF_KTHREAD in /proc/PID/stat's flags. */
    private static final long PF_KTHREAD = 0x00200000;

    @TempDir
    static Path dir;

    private static TargetProcess witness;
    private static ServerSocket ownListener;
    private static Process zombieParent;
    private static final Map<String, String> PLACES = new LinkedHashMap<>();

    @BeforeAll
    static void prepareTheHost() throws Exception {
        witness = TargetProcess.start(target().tcpListener("ipv4", 20, 4096).tcpPair("ipv4", 4096).udp("ipv4", 4096));
        ownListener = new ServerSocket();
        ownListener.setReceiveBufferSize(4096);
        ownListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 20);
        int zombie = startZombie();
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        long self = ProcessHandle.current().pid();
        int kthread = kernelThread();

        PLACES.put("WITNESS", Long.toString(witness.pid()));
        PLACES.put("KTHREAD", Integer.toString(kthread));
        PLACES.put("ZOMBIE", Integer.toString(zombie));
        PLACES.put("SELF", Long.toString(self));
        PLACES.put("GONE", Long.toString(exited.pid()));
        PLACES.put("INIT", "1");
        PLACES.put("DIR", dir.toString());

        Files.writeString(dir.resolve("words.pid"), "nginx is running\n");
        Files.writeString(dir.resolve("empty.pid"), "");
        Files.writeString(dir.resolve("negative.pid"), "-1\n");
        Files.writeString(dir.resolve("huge.pid"), "99999999999\n");
        Files.writeString(dir.resolve("kthread.pid"), kthread + "\n");
        Files.writeString(dir.resolve("self.pid"), self + "\n");
        Files.writeString(dir.resolve("zombie.pid"), zombie + "\n");
        Commands.run("mkfifo", dir.resolve("fifo.pid").toString()).requireSuccess();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (witness != null) {
            witness.close();
        }
        if (ownListener != null) {
            ownListener.close();
        }
        if (zombieParent != null) {
            zombieParent.destroyForcibly(); // the zombie goes to init, which reaps it
        }
    }

    /** A child that has exited and that its parent (python, sleeping) never waits for. Returns its pid. */
    private static int startZombie() throws IOException {
        zombieParent = new ProcessBuilder("/usr/bin/python3", "-c",
                "import os, sys, time\n"
                        + "pid = os.fork()\n"
                        + "if pid == 0: os._exit(0)\n"
                        + "print(pid, flush=True)\n"
                        + "time.sleep(600)\n").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line = new BufferedReader(new InputStreamReader(zombieParent.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        int pid = Integer.parseInt(line.trim());
        Await.until(() -> statField(pid, 3), "Z"::equals, "pid " + pid + " is a zombie", 10);
        return pid;
    }

    /** kthreadd (pid 2) where it is one, else the first kernel thread in /proc. */
    private static int kernelThread() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return Stream.concat(Stream.of(2), entries.map(p -> p.getFileName().toString())
                            .filter(name -> name.matches("\\d+")).map(Integer::parseInt).sorted())
                    .filter(pid -> {
                        String flags = statField(pid, 9);
                        return !flags.isEmpty() && (Long.parseUnsignedLong(flags) & PF_KTHREAD) != 0;
                    })
                    .findFirst().orElseThrow(() -> new AssertionError("no kernel thread in /proc"));
        }
    }

    /** Field {@code n} (1-based, as proc(5) numbers them) of /proc/PID/stat; "" when it is gone. */
    private static String statField(int pid, int n) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return rest[n - 3];
        } catch (IOException e) {
            return "";
        }
    }

    // -- the corpus --------------------------------------------------------------------

    static List<JsonNode> cases() {
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream(CORPUS)) {
            if (in == null) {
                throw new AssertionError("test resource " + CORPUS + " is missing");
            }
            List<JsonNode> cases = new ArrayList<>();
            JSON.readTree(in).get("cases").forEach(cases::add);
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> corpus() {
        return cases().stream().map(c -> Arguments.of(c.get("id").asText(), c));
    }

    @Test
    void theCorpusCoversTheWholeSurface() {
        List<JsonNode> cases = cases();
        assertTrue(cases.size() >= 100, "at least 100 cases, not " + cases.size());
        Set<String> ids = new TreeSet<>();
        Set<String> fronts = new TreeSet<>();
        Set<String> places = new TreeSet<>();
        for (JsonNode c : cases) {
            assertTrue(ids.add(c.get("id").asText()), "two cases are called " + c.get("id"));
            assertTrue(c.hasNonNull("names") && !c.get("names").asText().isBlank(), "a case names no field: " + c);
            assertTrue(c.has("module") != c.has("cli"), "a case is a module's or the CLI's: " + c);
            fronts.add(c.has("module") ? c.get("module").asText() : "cli " + c.get("cli").get(0).asText());
            Matcher m = PLACEHOLDER.matcher(c.toString());
            while (m.find()) {
                places.add(m.group(1));
            }
        }
        assertTrue(fronts.containsAll(List.of("socket_option", "socket_info", "memory_lock", "cli set", "cli lock",
                "cli sockets", "cli options", "cli schema", "cli ansible")), "every module and command: " + fronts);
        assertTrue(places.containsAll(List.of("KTHREAD", "ZOMBIE", "SELF", "INIT", "GONE", "VICTIM", "DIR")),
                "kernel threads, zombies, pid 1, the executor's own pid, exited processes, paths: " + places);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void refusedClearlyAndNothingChanges(String id, JsonNode c) throws Exception {
        if (c.toString().contains("$GONE")) {
            assumeFalse(Files.exists(Path.of("/proc", PLACES.get("GONE"))), "the exited pid was reused already");
        }
        Map<String, String> places = new LinkedHashMap<>(PLACES);
        TargetProcess victim = null;
        try {
            if (c.path("during").asText().equals("exit")) {
                victim = TargetProcess.start(target().tcpListener("ipv4", 20, 4096).tcpPair("ipv4", 4096));
                places.put("VICTIM", Long.toString(victim.pid()));
                exitOnceAFirstSocketWasRead(victim);
            }
            Map<String, String> before = hostState();
            String outcome = c.has("cli") ? runCli(c, places) : runModule(c, places);
            Map<String, String> after = hostState();
            assertEquals(before, after, "the host changed" + outcome);
            if (victim != null) {
                long pid = victim.pid();
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        "the victim exited mid-run" + outcome);
            }
        } finally {
            VisitMoments.install(null);
            if (victim != null) {
                victim.close();
            }
        }
    }

    /** The target exits (and is reaped) when livetune goes for its next socket after reading a first one. */
    private static void exitOnceAFirstSocketWasRead(TargetProcess victim) {
        AtomicBoolean readOne = new AtomicBoolean();
        AtomicBoolean exited = new AtomicBoolean();
        VisitMoments.install((moment, pid, fd) -> {
            if (pid != victim.pid()) {
                return;
            }
            if (moment == Moment.AFTER_OPEN) {
                readOne.set(true);
            } else if (readOne.get() && exited.compareAndSet(false, true)) {
                victim.exitAndWait();
            }
        });
    }

    private String runModule(JsonNode c, Map<String, String> places) {
        String module = c.get("module").asText();
        ExecutorResult result = c.has("stdin")
                ? Executor.ansibleStdin(module, substitute(c.get("stdin").asText(), places))
                : Executor.ansible(module, JSON.convertValue(substitute(c.get("args"), places),
                        new TypeReference<Map<String, Object>>() { }));
        boolean failed = c.path("failed").asBoolean(true);
        assertEquals(failed, result.failed(), "failed" + result);
        assertFalse(result.changed(), "changed" + result);
        String text = failed ? result.msg() : String.join("\n", result.warnings());
        expectWords(c, places, text, result.toString());
        return result.toString();
    }

    private String runCli(JsonNode c, Map<String, String> places) throws IOException {
        List<String> argv = new ArrayList<>();
        c.get("cli").forEach(arg -> argv.add(substitute(arg.asText(), places)));
        Cli.Result result = Cli.run(argv.toArray(new String[0]));
        assertEquals(c.path("status").asInt(2), result.status(), "exit status" + result);
        for (String output : List.of(result.stdout(), result.stderr())) {
            assertFalse(output.contains("\tat ") || JAVA_THROWABLE_NAME.matcher(output).find(),
                    "a Java stack trace or exception class" + result);
        }
        String text;
        if (c.path("json").asBoolean()) {
            JsonNode json = JSON.readTree(result.stdout());
            assertTrue(json.path("failed").asBoolean(), "failed=true" + result);
            assertFalse(json.path("changed").asBoolean(true), "changed=false" + result);
            text = json.path("msg").asText();
        } else {
            if (result.status() == 2) {
                assertEquals("", result.stdout(), "a usage error prints on stderr only" + result);
            }
            text = result.stderr();
        }
        expectWords(c, places, text, result.toString());
        return result.toString();
    }

    private static void expectWords(JsonNode c, Map<String, String> places, String text, String context) {
        String field = substitute(c.get("names").asText(), places);
        assertTrue(text.contains(field), "the message names " + field + context);
        for (JsonNode says : c.path("says")) {
            String words = substitute(says.asText(), places);
            assertTrue(text.contains(words), "the message says '" + words + "'" + context);
        }
    }

    private static String substitute(String text, Map<String, String> places) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = places.get(m.group(1));
            if (value == null) {
                throw new AssertionError("unknown placeholder $" + m.group(1) + " in " + text);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A whole string "$WITNESS" becomes the number; placeholders inside strings become text. */
    private static JsonNode substitute(JsonNode node, Map<String, String> places) {
        if (node.isTextual()) {
            String text = substitute(node.asText(), places);
            boolean wholeNumber = PLACEHOLDER.matcher(node.asText()).matches() && text.matches("\\d+");
            return wholeNumber ? JsonNodeFactory.instance.numberNode(Long.parseLong(text))
                    : JsonNodeFactory.instance.textNode(text);
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                copy.set(field.getKey(), substitute(field.getValue(), places));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(substitute(item, places)));
            return copy;
        }
        return node;
    }

    // -- the host, as tools that are not livetune's see it -------------------------------

    /**
     * The witness's and this JVM's listener's sockets as ss shows them (state, queues or
     * backlog, buffers, keepalive timer), the witness's own getsockopt of each socket, and
     * VmLck and the number of locked mappings of the witness, this JVM and pid 1.
     */
    private static Map<String, String> hostState() {
        Map<String, String> state = new TreeMap<>();
        String ss = Commands.run("ss", "-H", "-tuanpemio").requireSuccess().stdout();
        String witnessUser = "pid=" + witness.pid() + ",";
        String ownUser = "pid=" + ProcessHandle.current().pid() + ",";
        for (String block : blocks(ss)) {
            String[] columns = block.trim().split("\\s+");
            boolean ours = block.contains(witnessUser)
                    || block.contains(ownUser) && columns[4].endsWith(":" + ownListener.getLocalPort());
            if (!ours) {
                continue;
            }
            Matcher inode = INODE.matcher(block);
            Matcher buffers = SKMEM_BUFFERS.matcher(block);
            state.put("ss " + (inode.find() ? "ino:" + inode.group(1) : columns[4] + " " + columns[5]),
                    String.join(" ", columns[0], columns[1], columns[2], columns[3], columns[4], columns[5])
                            + (buffers.find() ? " rb" + buffers.group(1) + " tb" + buffers.group(2) : "")
                            + (block.contains("timer:(keepalive") ? " keepalive-timer" : ""));
        }
        for (TargetSocket socket : witness.sockets()) {
            state.put("getsockopt " + socket.role() + " fd " + socket.fd(), witness.ownOptions(socket.fd()).toString());
        }
        try {
            state.put("getsockopt own listener SO_RCVBUF", Integer.toString(ownListener.getReceiveBufferSize()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (long pid : List.of(witness.pid(), ProcessHandle.current().pid(), 1L)) {
            state.put("memory " + pid, memory(pid));
        }
        return state;
    }

    private static String memory(long pid) {
        try {
            long locked = ProcMemory.smaps(pid).stream().filter(ProcMemory.Entry::locked).count();
            return "VmLck " + ProcMemory.vmLckKb(pid) + " kB, " + locked + " mapping(s) lo";
        } catch (UncheckedIOException e) {
            return "not readable here: " + e.getCause().getMessage(); // pid 1 in some containers
        }
    }

    /** ss's lines with their continuation lines, one string per socket. */
    private static List<String> blocks(String ss) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : ss.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0)) && current.length() > 0) {
                blocks.add(current.toString());
                current.setLength(0);
            }
            current.append(line).append(' ');
        }
        if (current.length() > 0) {
            blocks.add(current.toString());
        }
        return blocks;
    }
}
