package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketinfo.ReadingSlice;
import io.livetune.executor.modules.socketinfo.SocketEntrySink;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sockets --watch}: re-reads the sockets at an interval and prints what changed since
 * the last reading: which process's socket changed which option from what to what, and which
 * sockets were opened and closed. What the SystemTap probes in the seeds showed, without a
 * kernel probe.
 *
 * <p>Every reading sees every socket opened and closed and every value the kernel's socket
 * diagnostics carry; the options only getsockopt tells are read for a {@link ReadingSlice} of
 * the sockets, {@link #SOCKETS_PER_SECOND} per second of the interval, in turns, so that a
 * watch of tens of thousands of sockets does not keep a CPU busy. A socket not reached in a
 * reading keeps those options from the reading before.
 */
final class SocketWatch {
    /** Sockets reached through getsockopt per second of the interval (a reading of 20,000 all costs ~0.8 s of CPU). */
    static final int SOCKETS_PER_SECOND = 1000;

    private final Io io;
    private final DateTimeFormatter clock;
    private final ReadingSlice slice;
    private final CurrentReading current = new CurrentReading();

    /** @param slice which sockets each reading reaches through getsockopt (the module's own) */
    SocketWatch(Io io, DateTimeFormatter clock, ReadingSlice slice) {
        this.io = io;
        this.clock = clock;
        this.slice = slice;
    }

    /** Sockets reached through getsockopt per reading at this interval: at least one. */
    static int socketsPerReading(long intervalMillis) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, intervalMillis * SOCKETS_PER_SECOND / 1000));
    }

    /** Where the module the readings run hands its entries: to the reading under way. */
    SocketEntrySink<?> sink() {
        return current;
    }

    /**
     * @param first  the first reading, complete
     * @param reader the next readings, each with the module given {@link #sink()} and {@code slice}
     */
    void watch(ObjectNode first, Callable<ObjectNode> reader, long intervalMillis, Integer count) throws Exception {
        Map<Long, WatchedSocket> previous = WatchReading.of(first);
        for (int round = 0; count == null || round < count; round++) {
            Thread.sleep(intervalMillis); // the interval the user asked for between readings
            WatchReading reading = new WatchReading(previous, slice::wasRead);
            current.reading = reading;
            ObjectNode next = reader.call();
            current.reading = null;
            if (next.path("failed").asBoolean()) {
                io.err().println(now() + " error: " + next.path("msg").asText());
                continue;
            }
            String time = now();
            for (String line : reading.lines()) {
                io.out().println(time + " " + line);
            }
            io.out().flush();
            previous = reading.sockets();
        }
    }

    /** The module's sink for every reading, handing on to the reading under way. */
    private static final class CurrentReading implements SocketEntrySink<List<WatchReading.Compared>> {
        /** Set before a reading starts its threads, which only read it. */
        private volatile WatchReading reading;

        @Override
        public List<WatchReading.Compared> prepare(List<ObjectNode> run) {
            return reading.prepare(run);
        }

        @Override
        public void accept(List<WatchReading.Compared> run) {
            reading.accept(run);
        }
    }

    private String now() {
        return LocalTime.now().format(clock);
    }
}
