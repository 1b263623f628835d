package io.livetune.executor.training;

import com.fasterxml.jackson.databind.node.TextNode;
import io.livetune.executor.Main;
import io.livetune.executor.modules.Json;
import io.livetune.executor.modules.ValidatedArguments;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar livetune-executor.jar archive-training [MODULE]}: the workload a class-data archive
 * (JDK 17: {@code -XX:DumpLoadedClassList}, then a static dump; JDK 18 to 24:
 * {@code -XX:ArchiveClassesAtExit}) or an ahead-of-time cache (JDK 25+,
 * {@code -XX:AOTMode=record}) is recorded from, so that no task has to record it.
 *
 * <p>executor_run.sh's archive maker runs it in the background, beside a target's first task
 * (lt_cds_start_maker): recording makes a JVM's exit slow (a dump, or an AOT configuration),
 * and on a fleet's first run every target's task would wait for it. The training runs the
 * Ansible path of the first task's module in check mode ({@code socket_info}, or
 * {@code socket_option} for every other module), so the archive holds the classes such a
 * task loads: the JSON and schema libraries, JNA, /proc, sock_diag, getsockopt, the result.
 * Only those: a JDK 25 AOT cache loads and links every class it holds at start-up, so a
 * training of both modules made every later task ~7% slower to start.
 *
 * <p>Its only target is a process of its own making ({@link TrainingTarget}, a child JVM
 * listening on a loopback port): it never reads or changes any other process. Its output
 * is discarded; it exits 0 when the module answered as expected, 1 otherwise (the
 * archive is made either way: whatever loaded is worth keeping).
 */
public final class ArchiveTraining {
    /** The command word, dispatched by {@link Main} before picocli (like {@code ansible}). */
    public static final String COMMAND = "archive-training";

    private static final long CHILD_WAIT_SECONDS = 30;
    private static final String SOCKET_INFO = "socket_info";

    private ArchiveTraining() {
    }

    /** {@code module}: the first task's, which the archive is for. */
    public static int run(String module, PrintStream err) throws IOException {
        String cache = System.getProperty(ValidatedArguments.DIRECTORY_PROPERTY);
        Path memo = useMemoOfItsOwn(cache);
        try {
            return train(module, err, memo);
        } finally {
            if (memo != null) {
                // given back: a resident's warm-up runs this, and its tasks use the cache's memo
                System.setProperty(ValidatedArguments.DIRECTORY_PROPERTY, cache);
                deleteMemo(memo);
            }
        }
    }

    /** @param memo the training's own directory (null without a cache directory) */
    private static int train(String module, PrintStream err, Path memo) throws IOException {
        Process child = startTarget();
        try {
            int port = readPort(child);
            long pid = child.pid();
            String sockets = ", \"protocol\": \"tcp\", \"state\": \"listen\", \"local_port\": " + port;
            boolean ok = runModule(module, "\"pid\": " + pid + sockets);
            if (memo != null) {
                // The same task again by pidfile, as many playbooks select their service: the
                // classes that read a pidfile and place its pid namespace (PidNamespaces,
                // ProcStatus) are then in the archive too, and a task that names a pidfile
                // loads no class from the jar.
                Path pidfile = memo.resolve("target.pid");
                Files.writeString(pidfile, pid + "\n", StandardCharsets.US_ASCII);
                String quoted = Json.write(TextNode.valueOf(pidfile.toString()));
                ok &= runModule(module, "\"pidfile\": " + quoted + sockets);
            }
            if (!ok) {
                err.println("archive-training: the module did not answer as expected (the archive is made anyway)");
            }
            return ok ? 0 : 1;
        } finally {
            child.getOutputStream().close(); // the target exits at the end of its stdin
            try {
                if (!child.waitFor(CHILD_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Where the maker names the cache directory, a directory of the training's own inside it
     * for the memo of validated arguments, so that the archive holds the classes that read,
     * match and write one (ValidatedArguments) and the training's arguments take no place in the
     * target's memo. Named by our pid, not by Files.createTempDirectory: its random names would
     * put SecureRandom and the security providers in the archive, which a JDK 25 AOT cache
     * loads at every start. Null (no memo) without a cache directory; {@link #run} gives the
     * property its value back after the training.
     */
    private static Path useMemoOfItsOwn(String cache) throws IOException {
        if (cache == null || cache.isEmpty()) {
            return null;
        }
        Path memo = Path.of(cache, ".training-" + ProcessHandle.current().pid());
        if (Files.isDirectory(memo, LinkOption.NOFOLLOW_LINKS)) {
            deleteMemo(memo); // of a training that ended before it could remove it
        }
        Files.createDirectory(memo, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        System.setProperty(ValidatedArguments.DIRECTORY_PROPERTY, memo.toString());
        return memo;
    }

    private static void deleteMemo(Path memo) throws IOException {
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(memo)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(memo);
    }

    /** A JVM of the same java and jar, without our flags: it only holds a socket. */
    private static Process startTarget() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar;
        try {
            jar = Path.of(TrainingTarget.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException | SecurityException e) {
            throw new IOException("archive-training: cannot tell where the executor's jar is", e);
        }
        return new ProcessBuilder(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xlog:disable",
                "-cp", jar, TrainingTarget.class.getName()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static int readPort(Process child) throws IOException {
        return readPort(child, Duration.ofSeconds(CHILD_WAIT_SECONDS));
    }

    /**
     * The port the child prints once it listens. A child that does not print it within
     * {@code limit} (hung before it listened) is killed, which ends its output and this read:
     * neither the archive maker (holding its lock) nor a resident's warm-up (its clients
     * waiting) may wait for it forever.
     */
    static int readPort(Process child, Duration limit) throws IOException {
        Thread watchdog = new Thread(new Watchdog(child, limit), "livetune-training-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
            String line = lines.readLine();
            if (line == null) {
                throw new IOException("archive-training: the training target exited (or was killed after "
                        + limit.toSeconds() + " s) before it listened");
            }
            return Integer.parseInt(line.trim());
        } finally {
            watchdog.interrupt();
        }
    }

    /** Kills the child unless interrupted first. */
    private static final class Watchdog implements Runnable {
        private final Process child;
        private final Duration limit;

        Watchdog(Process child, Duration limit) {
            this.child = child;
            this.limit = limit;
        }

        @Override
        public void run() {
            try {
                if (!child.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the port was read (or the read failed): nothing to kill
            }
        }
    }

    /**
     * The training's task of {@code module} (socket_info, or else socket_option) on the sockets
     * {@code select} picks, in check mode with diff: one through the same entry every Ansible
     * task takes; true when it did not fail.
     */
    private static boolean runModule(String module, String select) {
        String flags = ", \"_check_mode\": true, \"_diff\": true, \"_verbosity\": 0";
        return SOCKET_INFO.equals(module)
                ? runTask(SOCKET_INFO, "{" + select + flags + "}")
                : runTask("socket_option", "{" + select
                        + ", \"backlog\": 128, \"options\": {\"so_rcvbuf\": 65536, \"tcp_nodelay\": true}" + flags + "}");
    }

    private static boolean runTask(String module, String args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        int status = Main.run(new String[] {"ansible", module},
                new ByteArrayInputStream(args.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), discard);
        return status == 0 && out.toString(StandardCharsets.UTF_8).startsWith("{");
    }
}
