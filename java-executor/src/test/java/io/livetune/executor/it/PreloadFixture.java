package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livetune.executor.modules.ModuleRunner;
import io.livetune.executor.modules.preload.PreloadHost;
import io.livetune.executor.modules.preload.PreloadWrapperModule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the preload_wrapper tests share: the module run in-process against a {@link PreloadHost}
 * (a temporary root, a stand-in library), C programs to preload into, and readers of the
 * files it writes that share no code with it.
 */
final class PreloadFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The resource the real shim travels in (the contract with the shim's build). */
    static final String SHIM_RESOURCE = "/native/%s/liblivetune_preload.so";

    private PreloadFixture() {}

    /** uname -m of this machine. */
    static String machine() {
        return Commands.run("uname", "-m").requireSuccess().stdout().strip();
    }

    /** Whether the executor on the class path carries the real shim for this machine. */
    static boolean shimPresent() {
        return PreloadFixture.class.getResource(String.format(SHIM_RESOURCE, machine())) != null;
    }

    static String shimMissing() {
        return "this build carries no preload library for " + machine() + " (" + String.format(SHIM_RESOURCE, machine())
                + "): the shim is built by the other half of issue 7; skipped until the jar has it";
    }

    /** The stand-in library (src/test/resources/it/preload_standin.c: listen() with LIVETUNE_BACKLOG only). */
    static byte[] standIn(Path dir) {
        Path so = compile(dir, "preload_standin", true);
        try {
            return Files.readAllBytes(so);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compiles src/test/resources/it/NAME.c into dir (a shared library, or a program; static on request). */
    static Path compile(Path dir, String name, boolean shared, String... flags) {
        try (InputStream in = PreloadFixture.class.getResourceAsStream("/it/" + name + ".c")) {
            Path source = dir.resolve(name + ".c");
            Files.write(source, in.readAllBytes());
            Path out = dir.resolve(shared ? "lib" + name + ".so" : name + String.join("", flags).replace("-", "_"));
            List<String> gcc = new ArrayList<>(List.of("gcc", "-O1", "-Wall", "-o", out.toString(), source.toString()));
            if (shared) {
                gcc.addAll(List.of("-shared", "-fPIC", "-ldl"));
            }
            gcc.addAll(List.of(flags));
            Commands.run(gcc.toArray(String[]::new)).requireSuccess();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A host whose "/" is {@code root}, with the stand-in library for this machine. */
    static PreloadHost host(Path root, byte[] library, List<String> daemonReload) {
        return PreloadHost.of(root, machine(), library == null ? Map.of() : Map.of(machine(), library), daemonReload);
    }

    /**
     * Runs preload_wrapper through ModuleRunner, as {@code ansible preload_wrapper} does, and
     * checks the protocol's envelope (changed/failed booleans; a failure's msg without a stack trace).
     */
    static ExecutorResult run(PreloadHost host, Map<String, Object> args) {
        String input;
        try {
            input = JSON.writeValueAsString(args);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        JsonNode result = ModuleRunner.run(new PreloadWrapperModule(host), input);
        String context = "\nargs: " + input + "\nresult: " + result.toPrettyString();
        assertTrue(result.path("changed").isBoolean(), "no boolean changed" + context);
        assertTrue(result.path("failed").isBoolean(), "no boolean failed" + context);
        if (result.get("failed").asBoolean()) {
            assertFalse(result.path("msg").asText().contains("\tat "), "a stack trace in msg" + context);
            assertFalse(result.path("msg").asText().contains("Exception"), "an exception name in msg" + context);
        }
        return new ExecutorResult(result, input);
    }

    /** Every file under {@code root}: path -> mode and sha256 (directories: mode only). */
    static Map<String, String> tree(Path root) {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.forEach(file -> {
                try {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
                    tree.put(root.relativize(file).toString(), mode + (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                            ? " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)))
                            : ""));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tree;
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String mode(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies {@code from} (a file of this machine) to {@code root}+{@code at}, with its mode. */
    static Path copy(Path root, String at, Path from) {
        try {
            Path to = root.resolve(at.substring(1));
            Files.createDirectories(to.getParent());
            Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern ENVIRONMENT = Pattern.compile("^Environment=\"([A-Za-z_][A-Za-z0-9_]*)=(.*)\"$");

    /**
     * The variables a drop-in defines, read here the simple way (one quoted assignment per
     * Environment= line, as our drop-ins have them): not with the module's own parser.
     */
    static Map<String, String> dropInEnvironment(String dropIn) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : dropIn.split("\n")) {
            Matcher m = ENVIRONMENT.matcher(line);
            if (m.matches()) {
                environment.put(m.group(1), m.group(2).replace("%%", "%"));
            }
        }
        return environment;
    }

    /**
     * A C listener (src/test/resources/it/preload_listener.c) started as {@code command},
     * with {@code environment} added: it prints "PID PORT RCVBUF NODELAY" once listening, after
     * its own listen(fd, 20) and SO_RCVBUF of 4096.
     */
    static final class Listener implements AutoCloseable {
        final Process process;
        final int pid;
        final int port;
        final int rcvbuf;
        final int nodelay;
        final String stderr;

        private Listener(Process process, String line, String stderr) {
            this.process = process;
            this.stderr = stderr;
            String[] fields = line.trim().split(" ");
            this.pid = Integer.parseInt(fields[0]);
            this.port = Integer.parseInt(fields[1]);
            this.rcvbuf = Integer.parseInt(fields[2]);
            this.nodelay = Integer.parseInt(fields[3]);
        }

        static Listener start(List<String> command, Map<String, String> environment) {
            try {
                ProcessBuilder builder = new ProcessBuilder(command);
                builder.environment().putAll(environment);
                Path err = Files.createTempFile("livetune-it-listener", ".err");
                builder.redirectError(err.toFile());
                Process process = builder.start();
                String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                String stderr = Files.readString(err);
                Files.delete(err);
                if (line == null) {
                    process.waitFor(5, TimeUnit.SECONDS);
                    throw new AssertionError(command + " printed nothing (exit " + (process.isAlive() ? "-" : process.exitValue())
                            + "); stderr: " + stderr);
                }
                return new Listener(process, line, stderr);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** The listener as ss shows it: Send-Q is its backlog. */
        Ss.SsSocket ssListener() {
            String out = Commands.run("ss", "-H", "-l", "-t", "-n", "-m", "-e", "sport = :" + port).requireSuccess().stdout();
            Ss table = Ss.parse(out);
            String inode = out.replaceAll("(?s).*\\bino:(\\d+).*", "$1").strip();
            return table.byInode(Long.parseLong(inode));
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void assertAction(ExecutorResult result, String path, String action) {
        for (JsonNode file : result.json().path("files")) {
            if (file.path("path").asText().equals(path)) {
                assertEquals(action, file.path("action").asText(), "action of " + path + result);
                return;
            }
        }
        throw new AssertionError("no entry for " + path + " in files" + result);
    }
}
