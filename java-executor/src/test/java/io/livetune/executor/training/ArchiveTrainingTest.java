package io.livetune.executor.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.modules.ValidatedArguments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive maker runs {@code archive-training} on targets as root, in the background,
 * after a task: it must reach no process but the child it starts, and leave none behind.
 * Checked with strace, which sees every program it starts and every pidfd it opens (the
 * executor reaches a process's sockets and memory only through pidfd_open, or ptrace).
 */
class ArchiveTrainingTest {
    private static final Pattern PIDFD_OPEN = Pattern.compile("^\\d+\\s+pidfd_open\\((\\d+),");

    @Test
    void trainingReachesOnlyItsOwnChildAndWaitsForItsEnd() throws Exception {
        Path trace = Files.createTempFile("livetune-training", ".strace");
        try {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process run = new ProcessBuilder("strace", "-f", "-q", "-s", "256", "-e", "trace=execve,pidfd_open,ptrace",
                    "-e", "signal=none", "-o", trace.toString(), java, "-cp", System.getProperty("java.class.path"),
                    "io.livetune.executor.Main", ArchiveTraining.COMMAND)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(run.waitFor(120, TimeUnit.SECONDS), "the training ended");
            assertEquals(0, run.exitValue(), "both modules answered");

            List<String> lines = Files.readAllLines(trace);
            List<String> children = lines.stream()
                    .filter(line -> line.contains("execve(") && line.contains(TrainingTarget.class.getName()))
                    .map(line -> line.split("\\s+", 2)[0]).collect(Collectors.toList());
            assertEquals(1, children.size(), "one training target started: " + lines);
            String child = children.get(0);
            List<String> reached = lines.stream().map(PIDFD_OPEN::matcher).filter(Matcher::find)
                    .map(m -> m.group(1)).collect(Collectors.toList());
            assertFalse(reached.isEmpty(), "the training reached its target's sockets");
            assertTrue(reached.stream().allMatch(child::equals), "pidfd_open of the child " + child + " only: " + reached);
            assertTrue(lines.stream().noneMatch(line -> line.matches("^\\d+\\s+ptrace\\(.*")), "no ptrace");
            String javaHome = Path.of(java).getParent().getParent().toString();
            assertTrue(lines.stream().filter(line -> line.contains("execve(")).allMatch(line -> line.contains(
                    "execve(\"" + javaHome + "/")), "no program but the JDK's own (java, jspawnhelper): " + lines);
            assertTrue(lines.stream().anyMatch(line -> line.startsWith(child + " ") && line.contains("+++ exited")),
                    "the child had exited when the training did: " + lines);
        } finally {
            Files.deleteIfExists(trace);
        }
    }

    /** A training target that never says its port is killed after the limit, and the read ends. */
    @Test
    void aChildThatNeverListensIsKilledAfterTheLimit() throws Exception {
        Process silent = new ProcessBuilder("sleep", "600").redirectErrorStream(true).start();
        try {
            IOException e = assertThrows(IOException.class, () -> ArchiveTraining.readPort(silent, Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("before it listened"), e.getMessage());
            assertTrue(silent.waitFor(10, TimeUnit.SECONDS), "the child was killed");
        } finally {
            silent.destroyForcibly();
        }
    }

    /**
     * Where the maker names the cache directory, the training records the memo of validated
     * arguments too (its classes belong in the archive), in a directory of its own that it removes:
     * the target's memo is left as it was. strace sees the memo written (renamed into place).
     */
    @Test
    void trainingWritesAMemoOfItsOwnAndLeavesTheCacheAsItFoundIt(@TempDir Path tmp) throws Exception {
        Path cache = Files.createDirectory(tmp.resolve("sha"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path trace = tmp.resolve("strace");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process run = new ProcessBuilder("strace", "-f", "-q", "-e", "trace=rename,renameat,renameat2", "-e", "signal=none",
                "-o", trace.toString(), java, "-cp", System.getProperty("java.class.path"),
                "-Dlivetune.cache.dir=" + cache, "io.livetune.executor.Main", ArchiveTraining.COMMAND)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(run.waitFor(120, TimeUnit.SECONDS), "the training ended");
        assertEquals(0, run.exitValue(), "the module answered");

        List<String> renames = Files.readAllLines(trace).stream().filter(line -> line.contains("rename"))
                .collect(Collectors.toList());
        assertTrue(renames.stream().anyMatch(line -> line.contains(cache + "/.training-")
                && line.contains("/validated-arguments\"")), "the training's memo written in its own directory: " + renames);
        try (var left = Files.list(cache)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "the cache directory as the training found it");
        }
    }

    /**
     * A resident's warm-up runs the training in the resident's own JVM: the cache directory
     * the memo of validated arguments lives in must be the cache's again afterwards, not the
     * training's removed directory (its tasks would then never find their memo).
     */
    @Test
    void theCacheDirectoryIsGivenBackAfterTheTrainingInThisJvm(@TempDir Path tmp) throws Exception {
        Path cache = Files.createDirectory(tmp.resolve("sha"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        System.setProperty(ValidatedArguments.DIRECTORY_PROPERTY, cache.toString());
        try {
            assertEquals(0, ArchiveTraining.run("socket_option",
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream())), "the module answered");
            assertEquals(cache.toString(), System.getProperty(ValidatedArguments.DIRECTORY_PROPERTY));
            try (var left = Files.list(cache)) {
                assertEquals(List.of(), left.collect(Collectors.toList()), "the training's own memo removed");
            }
        } finally {
            System.clearProperty(ValidatedArguments.DIRECTORY_PROPERTY);
        }
    }
}
