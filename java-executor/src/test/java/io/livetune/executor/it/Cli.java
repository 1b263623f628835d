package io.livetune.executor.it;

import io.livetune.executor.Main;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The human CLI ({@code java -jar livetune-executor.jar sockets ...}) run in-process through
 * {@code Main.run}, as a finished command ({@link #run}) or as a long-running one whose output is
 * read line by line while it runs ({@link #start}, for {@code --watch}).
 */
final class Cli {
    private Cli() {}

    record Result(List<String> argv, int status, String stdout, String stderr) {
        List<String> lines() {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }

        @Override
        public String toString() {
            return "\ncommand: " + argv + "\nexit status: " + status + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    static Result run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = WithoutPidfd.runMain(argv, new byte[0], stdout, stderr, child -> { });
        }
        return new Result(List.of(argv), status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Starts a command in a thread of its own; its stdout arrives line by line. Stop it with {@link Running#close}. */
    static Running start(String... argv) {
        return new Running(argv);
    }

    static final class Running implements AutoCloseable {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final Thread thread;
        private final List<String> argv;
        private volatile Integer status;
        /** The child JVM, in the run without pidfd. */
        private volatile Process child;

        private Running(String[] argv) {
            this.argv = List.of(argv);
            PrintStream stdout = new PrintStream(new LineSplitter(lines), true, StandardCharsets.UTF_8);
            PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
            thread = new Thread(() -> status = WithoutPidfd.runMain(argv, new byte[0], stdout, stderr,
                    child -> this.child = child), "cli-" + String.join("-", argv));
            thread.setDaemon(true);
            thread.start();
        }

        /** The next line that matches, waiting at most {@code seconds}; fails with everything printed so far. */
        String awaitLine(Predicate<String> matching, String what, long seconds) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = deadline - System.nanoTime();
                String line;
                try {
                    line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + what, e);
                }
                if (line == null) {
                    throw new AssertionError("no line with " + what + " within " + seconds + " s" + this);
                }
                synchronized (seen) {
                    seen.add(line);
                }
                if (matching.test(line)) {
                    return line;
                }
            }
        }

        /** Whether the command is still running. */
        boolean isRunning() {
            return thread.isAlive();
        }

        /** Interrupts the command (its sleep between readings ends) and waits a bounded time for it. */
        @Override
        public void close() {
            thread.interrupt();
            if (child != null) {
                child.destroy();
            }
            try {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            synchronized (seen) {
                return "\ncommand: " + argv + (status == null ? " (running)" : " exited " + status)
                        + "\nstdout so far:\n" + String.join("\n", seen)
                        + "\nstderr so far:\n" + err.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** An OutputStream that hands each complete line to a queue. */
    private static final class LineSplitter extends OutputStream {
        private final BlockingQueue<String> lines;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineSplitter(BlockingQueue<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else {
                current.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }
    }
}
