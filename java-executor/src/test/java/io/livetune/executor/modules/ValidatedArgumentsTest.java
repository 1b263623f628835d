package io.livetune.executor.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketinfo.SocketInfoModule;
import io.livetune.executor.training.TrainingTarget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memo of argument sets that validated ({@link ValidatedArguments}): a repeated set skips
 * networknt, and nothing else does. The module is socket_info on a real listening socket of
 * a process of its own; what is remembered is read from the memo file itself.
 */
class ValidatedArgumentsTest {
    private static final String BAD_MESSAGE = "colour: unknown parameter";

    /** A process of its own listening on 127.0.0.1 (the training's target: it exits when its stdin ends). */
    private static Process target;
    private static int port;

    @TempDir
    Path cache;

    @BeforeAll
    static void startTarget() throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        target = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, TrainingTarget.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        assertNotNull(line, "the target listened");
        port = Integer.parseInt(line.trim());
    }

    @AfterAll
    static void stopTarget() throws Exception {
        target.getOutputStream().close();
        if (!target.waitFor(30, TimeUnit.SECONDS)) {
            target.destroyForcibly();
        }
    }

    @BeforeEach
    void privateCache() throws IOException {
        cache = Files.createDirectory(cache.resolve("sha"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void noMemo() {
        System.clearProperty(ValidatedArguments.DIRECTORY_PROPERTY);
    }

    private static String goodArgs() {
        return "{\"pid\": [" + target.pid() + "], \"protocol\": \"tcp\", \"state\": \"listen\", "
                + "\"local_port\": " + port + "}";
    }

    /** Wrong by the schema only (an unknown parameter): the module would run without complaint. */
    private static String badArgs() {
        return "{\"pid\": [" + target.pid() + "], \"colour\": \"blue\"}";
    }

    private ObjectNode run(String args) {
        System.setProperty(ValidatedArguments.DIRECTORY_PROPERTY, cache.toString());
        return ModuleRunner.run(new SocketInfoModule(), args);
    }

    private List<String> remembered() throws IOException {
        Path file = cache.resolve(ValidatedArguments.FILE_NAME);
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(ValidatedArguments.HEADER, lines.get(0), "the memo's header");
        return lines.subList(1, lines.size());
    }

    /**
     * The memo's entry of a set, written as a module in another process would write it: the
     * arguments as sent, a tab, what they became (socket_info's arguments need no coercing).
     */
    private static String entry(String args) throws IOException {
        String json = Json.write(Json.read(args));
        return "socket_info " + json + "\t" + json;
    }

    private void assertRefused(ObjectNode result) {
        assertTrue(result.path("failed").asBoolean(), result.toString());
        assertTrue(result.path("msg").asText().startsWith(BAD_MESSAGE), result.toString());
    }

    @Test
    void aSetThatValidatedIsRememberedForUsAlone() throws IOException {
        ObjectNode first = run(goodArgs());
        assertFalse(first.path("failed").asBoolean(), first.toString());
        assertEquals(1, first.path("sockets").size(), first.toString());
        assertEquals(1, remembered().size());
        assertTrue(remembered().get(0).startsWith("socket_info {\"pid\":["), remembered().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cache.resolve(ValidatedArguments.FILE_NAME))));

        ObjectNode again = run(goodArgs());
        assertEquals(first.path("sockets"), again.path("sockets"));
        assertEquals(1, remembered().size(), "a set is remembered once");
        try (var files = Files.list(cache)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void badInputIsAlwaysValidatedAndNeverRemembered() throws IOException {
        run(goodArgs());
        List<String> before = remembered();

        assertRefused(run(badArgs()));
        assertRefused(run(badArgs()));
        assertEquals(before, remembered(), "a refused set is not written");

        // another valid set is validated, not taken for the first: it is remembered beside it
        String other = goodArgs().replace("\"listen\"", "\"any\"");
        assertFalse(run(other).path("failed").asBoolean());
        assertEquals(List.of(before.get(0), entry(other)), remembered());
    }

    @Test
    void aCorruptMemoMeansValidate() throws IOException {
        Path file = cache.resolve(ValidatedArguments.FILE_NAME);
        // no header: whatever follows is not believed, not even an entry that names the bad set
        Files.writeString(file, entry(badArgs()) + "\n");
        assertRefused(run(badArgs()));
        Files.write(file, new byte[] {0, 1, 2, (byte) 0xff, '\n'});
        assertRefused(run(badArgs()));
        Files.writeString(file, ValidatedArguments.HEADER + "\n" + entry(badArgs())); // cut short: no last newline
        assertRefused(run(badArgs()));

        assertFalse(run(goodArgs()).path("failed").asBoolean());
        assertEquals(List.of(entry(goodArgs())), remembered(), "rewritten whole and well-formed");
    }

    @Test
    void aMemoInADirectoryOthersCanWriteOrOwnIsIgnored() throws IOException {
        Path file = cache.resolve(ValidatedArguments.FILE_NAME);
        String forged = ValidatedArguments.HEADER + "\n" + entry(badArgs()) + "\n";
        Files.writeString(file, forged);

        for (String mode : List.of("rwxrwxrwx", "rwxrwx---", "rwx----w-")) {
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString(mode));
            assertRefused(run(badArgs()));
            assertFalse(run(goodArgs()).path("failed").asBoolean());
            assertEquals(forged, Files.readString(file), "nothing written there (" + mode + ")");
        }
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(cache, "unix:uid", 65534); // someone else's (the tests run as root)
        assertRefused(run(badArgs()));
        assertEquals(forged, Files.readString(file));

        // The control: the same memo in a directory of ours alone is believed. That is why only
        // sets that validated are ever written, and only into a directory no one else can write.
        Files.setAttribute(cache, "unix:uid", io.livetune.executor.procfs.ProcFs.selfEuid());
        assertFalse(run(badArgs()).path("failed").asBoolean(), "the forged entry was believed");
    }

    @Test
    void theLastSixtyFourSetsAreKept() throws IOException {
        ValidatedArguments memo = ValidatedArguments.in(cache);
        for (int i = 0; i < ValidatedArguments.CAPACITY + 6; i++) {
            memo = ValidatedArguments.in(cache);
            memo.remember("socket_info {\"pid\":[" + i + "]}", Json.read("{\"pid\":[" + i + "]}"));
        }
        List<String> kept = remembered();
        assertEquals(ValidatedArguments.CAPACITY, kept.size());
        assertEquals("socket_info {\"pid\":[6]}\t{\"pid\":[6]}", kept.get(0), "the oldest went first");
        assertEquals("socket_info {\"pid\":[69]}\t{\"pid\":[69]}", kept.get(kept.size() - 1));
        assertEquals(Json.read("{\"pid\":[69]}"), ValidatedArguments.in(cache).argumentsFor("socket_info {\"pid\":[69]}"));
        assertNull(ValidatedArguments.in(cache).argumentsFor("socket_info {\"pid\":[5]}"));
    }

    /**
     * In a fresh JVM, as executor_run.sh starts it: the first task loads networknt to validate,
     * the same task again loads none of its classes (-Xlog:class+load, the JVM's own account).
     */
    @Test
    void aRepeatedSetLoadsNoneOfNetworkntsClasses() throws Exception {
        List<String> first = classesLoadedBy(goodArgs(), cache.getParent().resolve("first.log"));
        assertTrue(first.stream().anyMatch(c -> c.startsWith("com.networknt.schema.")),
                "the first run validates with networknt");
        assertEquals(1, remembered().size());

        List<String> second = classesLoadedBy(goodArgs(), cache.getParent().resolve("second.log"));
        assertTrue(second.contains(ValidatedArguments.class.getName()), "the log is of the memo's path");
        List<String> networknt = new ArrayList<>();
        second.stream().filter(c -> c.startsWith("com.networknt.")).forEach(networknt::add);
        assertEquals(List.of(), networknt, "networknt's classes on a repeated task");
    }

    private List<String> classesLoadedBy(String args, Path log) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process executor = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:class+load=info:file=" + log,
                "-D" + ValidatedArguments.DIRECTORY_PROPERTY + "=" + cache, "-cp", classPath,
                "io.livetune.executor.Main", "ansible", "socket_info")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        executor.getOutputStream().write(args.getBytes(StandardCharsets.UTF_8));
        executor.getOutputStream().close();
        String out = new String(executor.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(executor.waitFor(60, TimeUnit.SECONDS), "the executor ended");
        ObjectNode result = (ObjectNode) Json.read(out);
        assertFalse(result.path("failed").asBoolean(), out);
        assertEquals(1, result.path("sockets").size(), out);
        List<String> classes = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            // "[0.012s][info][class,load] java.lang.Object source: shared objects file"
            int start = line.indexOf("] ", line.indexOf("[class,load]")) + 2;
            int end = line.indexOf(' ', start);
            if (line.contains("[class,load]") && end > start) {
                classes.add(line.substring(start, end));
            }
        }
        return classes;
    }
}
