package io.livetune.executor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The race target (it/race_target.c): two connections to its own listener, both ends held,
 * and a FIFO on which a test tells it to close or replace a descriptor at an exact moment.
 */
final class RaceTarget implements AutoCloseable {
    final CTarget process;
    final Path fifo;
    final int port;
    /** The server end of the first connection: the one tests close or replace. */
    final int victim;
    /** The server end of the second connection. */
    final int other;

    /** Compiles and starts it in {@code dir}, and waits for its ready line. */
    RaceTarget(Path dir) throws IOException, InterruptedException {
        fifo = dir.resolve("commands");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        String source;
        try (InputStream in = RaceTarget.class.getResourceAsStream("/it/race_target.c")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        process = CTarget.start(dir, "race_target", source, fifo.toString());
        String[] ready = process.nextLine().split(" "); // port P server S1 S2 client C1 C2
        assertEquals("port", ready[0], "the target's ready line: " + String.join(" ", ready));
        port = Integer.parseInt(ready[1]);
        victim = Integer.parseInt(ready[3]);
        other = Integer.parseInt(ready[4]);
    }

    /** Sends one command and returns the target's answer. */
    String command(String line) {
        try {
            Files.writeString(fifo, line + "\n");
            return process.nextLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The target's own getsockopt of fd: "keepalive K keepidle I". */
    String options(int fd) {
        return command("OPTS " + fd);
    }

    @Override
    public void close() {
        process.close();
    }
}
