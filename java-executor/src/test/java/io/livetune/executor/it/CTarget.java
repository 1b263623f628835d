package io.livetune.executor.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A target written in C, for what Python cannot show (a handler's siginfo_t) or do (sit in
 * vfork). Compiled with gcc into the test's directory, started through a shell that waits
 * for it (livetune refuses to inject into its own children), and expected to print its pid
 * as its first line once it is ready.
 */
final class CTarget implements AutoCloseable {
    private final Process shell;
    private final BufferedReader out;
    private final int pid;

    private CTarget(Process shell) throws IOException {
        this.shell = shell;
        this.out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null) {
            throw new IOException("the C target exited before printing its pid");
        }
        this.pid = Integer.parseInt(first.trim());
    }

    /** Compiles {@code source} in {@code dir} and starts it with {@code args}. */
    static CTarget start(Path dir, String name, String source, String... args) {
        Path binary = compile(dir, name, source, "gcc", "-O1");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$0\" \"$@\" & wait $!", binary.toString()));
        command.addAll(List.of(args));
        try {
            return new CTarget(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code source} to {@code dir/name.c} and compiles it with {@code compiler} into {@code dir/name}. */
    static Path compile(Path dir, String name, String source, String compiler, String... flags) {
        try {
            Path file = dir.resolve(name + ".c");
            Path binary = dir.resolve(name);
            Files.writeString(file, source);
            List<String> command = new ArrayList<>(List.of(compiler));
            command.addAll(List.of(flags));
            command.addAll(List.of("-o", binary.toString(), file.toString()));
            Process cc = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, cc.waitFor(), compiler + " " + name + ".c: " + output);
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int pid() {
        return pid;
    }

    /** The target's next line of output; a note instead when it ended without one. */
    String nextLine() throws IOException {
        String line = out.readLine();
        return line == null ? "(the target printed nothing more: it died?)" : line;
    }

    /** The target's exit status (through the shell, whose status is the target's), once it ended. */
    int exitStatus(long seconds) throws InterruptedException {
        if (!shell.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the C target (pid " + pid + ") did not end within " + seconds + " s");
        }
        return shell.exitValue();
    }

    /** Kills the target and returns once its shell has reaped it: its pid no longer exists. */
    void killAndAwaitExit() throws InterruptedException {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        exitStatus(30);
    }

    @Override
    public void close() {
        shell.descendants().forEach(ProcessHandle::destroyForcibly);
        shell.destroyForcibly();
    }
}
