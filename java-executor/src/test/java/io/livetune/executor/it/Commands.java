package io.livetune.executor.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short external commands (ss, nsenter, ip) with a bounded wait, never through a shell. */
final class Commands {
    private static final long TIMEOUT_SECONDS = 15;

    private Commands() {}

    record Result(List<String> command, int exitStatus, String stdout, String stderr) {
        Result requireSuccess() {
            if (exitStatus != 0) {
                throw new AssertionError(command + " exited " + exitStatus + ": " + stderr.strip());
            }
            return this;
        }
    }

    static Result run(String... command) {
        File out = null;
        File err = null;
        try {
            out = File.createTempFile("livetune-it-cmd", ".out");
            err = File.createTempFile("livetune-it-cmd", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out)
                    .redirectError(err)
                    .start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(List.of(command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(List.of(command), process.exitValue(),
                    Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + List.of(command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + List.of(command), e);
        } finally {
            if (out != null) out.delete();
            if (err != null) err.delete();
        }
    }
}
