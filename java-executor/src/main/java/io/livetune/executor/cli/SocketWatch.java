package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketinfo.ReadingSlice;
import io.livetune.executor.sockets.SocketInspector;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
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

    SocketWatch(Io io, DateTimeFormatter clock) {
        this.io = io;
        this.clock = clock;
    }

    /** Sockets reached through getsockopt per reading at this interval: at least one. */
    static int socketsPerReading(long intervalMillis) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, intervalMillis * SOCKETS_PER_SECOND / 1000));
    }

    /**
     * @param first  the first reading, complete
     * @param reader the next readings, each reaching the sockets {@code slice} picks
     */
    void watch(ObjectNode first, Callable<ObjectNode> reader, ReadingSlice slice, long intervalMillis, Integer count)
            throws Exception {
        Map<Long, JsonNode> previous = byInode(first);
        for (int round = 0; count == null || round < count; round++) {
            Thread.sleep(intervalMillis); // the interval the user asked for between readings
            ObjectNode next = reader.call();
            if (next.path("failed").asBoolean()) {
                io.err().println(now() + " error: " + next.path("msg").asText());
                continue;
            }
            Map<Long, JsonNode> current = byInode(next);
            report(previous, current); // a socket not reached compares only what this reading read
            carryForward(previous, current, slice);
            previous = current;
        }
    }

    private void report(Map<Long, JsonNode> before, Map<Long, JsonNode> after) {
        String time = now();
        for (Map.Entry<Long, JsonNode> entry : after.entrySet()) {
            JsonNode old = before.get(entry.getKey());
            if (old == null) {
                io.out().println(time + " opened " + describe(entry.getValue()));
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> options = entry.getValue().path("options").fields();
            while (options.hasNext()) {
                Map.Entry<String, JsonNode> option = options.next();
                JsonNode was = old.path("options").get(option.getKey());
                if (was != null && !was.equals(option.getValue())) {
                    io.out().println(time + " " + describe(entry.getValue()) + ": "
                            + SocketInspector.compact(option.getKey(), was) + " -> "
                            + SocketInspector.compact(option.getKey(), option.getValue()));
                }
            }
            if (entry.getValue().has("backlog") && !entry.getValue().path("backlog").equals(old.path("backlog"))) {
                io.out().println(time + " " + describe(entry.getValue()) + ": backlog " + old.path("backlog").asText()
                        + " -> " + entry.getValue().path("backlog").asText());
            }
        }
        for (Map.Entry<Long, JsonNode> entry : before.entrySet()) {
            if (!after.containsKey(entry.getKey())) {
                io.out().println(time + " closed " + describe(entry.getValue()));
            }
        }
        io.out().flush();
    }

    /** The sockets not reached in this reading keep, for the next, what only getsockopt tells from the last. */
    private static void carryForward(Map<Long, JsonNode> before, Map<Long, JsonNode> after, ReadingSlice slice) {
        for (Map.Entry<Long, JsonNode> entry : after.entrySet()) {
            JsonNode old = before.get(entry.getKey());
            if (old == null || slice.wasRead(entry.getKey()) || !entry.getValue().isObject()) {
                continue;
            }
            ObjectNode now = (ObjectNode) entry.getValue();
            ObjectNode options = now.has("options") ? (ObjectNode) now.get("options") : now.putObject("options");
            Iterator<Map.Entry<String, JsonNode>> oldOptions = old.path("options").fields();
            while (oldOptions.hasNext()) {
                Map.Entry<String, JsonNode> option = oldOptions.next();
                options.putIfAbsent(option.getKey(), option.getValue());
            }
            for (String field : new String[] {"backlog", "accept_queue"}) { // tcp_info, when sock_diag lacked it
                if (!now.has(field) && old.has(field)) {
                    now.set(field, old.get(field));
                }
            }
        }
    }

    private static Map<Long, JsonNode> byInode(ObjectNode result) {
        Map<Long, JsonNode> sockets = new LinkedHashMap<>();
        result.path("sockets").forEach(socket -> sockets.put(socket.path("inode").asLong(), socket));
        return sockets;
    }

    /** "pid 1234 (nginx) tcp 0.0.0.0:80 listen". */
    private static String describe(JsonNode socket) {
        JsonNode owner = socket.path("owners").path(0);
        return "pid " + owner.path("pid").asText() + " (" + owner.path("process").asText() + ") "
                + socket.path("protocol").asText() + " " + socket.path("local").asText()
                + (socket.path("remote").asText().endsWith(":*") ? "" : " -> " + socket.path("remote").asText())
                + " " + socket.path("state").asText();
    }

    private String now() {
        return LocalTime.now().format(clock);
    }
}
