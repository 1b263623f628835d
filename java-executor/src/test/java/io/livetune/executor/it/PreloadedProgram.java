package io.livetune.executor.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program started with exactly the environment a test gives it (LD_PRELOAD and LIVETUNE_*
 * from the JVM's own environment are dropped first), its stdout read line by line and its
 * stderr kept in a file, so the shim's own lines can be checked whole.
 */
final class PreloadedProgram implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Path stderr;
    private final List<String> lines = new ArrayList<>();

    private PreloadedProgram(Process process, Path stderr) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderr = stderr;
    }

    static PreloadedProgram start(List<String> command, Map<String, String> environment) {
        try {
            Path stderr = Files.createTempFile("livetune-preload-it", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            builder.environment().keySet().removeIf(k -> k.equals("LD_PRELOAD") || k.startsWith("LIVETUNE_"));
            builder.environment().putAll(environment);
            return new PreloadedProgram(builder.start(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the program to its end (stdin empty) and returns it, its output read. */
    static PreloadedProgram run(List<String> command, Map<String, String> environment) {
        PreloadedProgram program = start(command, environment);
        try {
            program.process.getOutputStream().close();
            program.readUntil(null);
            if (!program.process.waitFor(45, TimeUnit.SECONDS)) {
                program.close();
                throw new AssertionError(command + " did not end within 45 s; printed " + program.lines);
            }
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Reads stdout up to the first line starting with {@code prefix} (the program's readiness
     * line: no sleeps), or to its end when prefix is null; returns every line read so far.
     */
    List<String> readUntil(String prefix) throws IOException {
        return readUntil(prefix, prefix == null ? null : line -> line.startsWith(prefix));
    }

    /** As {@link #readUntil(String)}, up to the first line that {@code ready} accepts. */
    List<String> readUntil(String what, Predicate<String> ready) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (ready != null && ready.test(line)) {
                return lines;
            }
        }
        if (ready != null) {
            throw new AssertionError("the program ended without a '" + what + "' line; it printed "
                    + lines + "\nand on stderr:\n" + stderr());
        }
        return lines;
    }

    List<String> stdout() {
        return lines;
    }

    long pid() {
        return process.pid();
    }

    int exitStatus() {
        return process.exitValue();
    }

    /** What the program (and the shim in it) wrote on stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> stderrLines() {
        String text = stderr();
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
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
        new File(stderr.toString()).delete();
    }
}
