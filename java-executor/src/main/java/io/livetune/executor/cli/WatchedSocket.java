package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.sockets.SocketInspector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What {@code sockets --watch} keeps of one socket between readings: how it is named in the
 * lines it prints, and the values it compares (its options, backlog and accept queue).
 *
 * <p>A watch of 20,000 sockets used to keep each reading's whole JSON tree, a million nodes
 * and more, which the garbage collector copied and promoted at every reading. A socket whose
 * values did not change keeps this object from reading to reading ({@link #after} returns it),
 * so what a reading leaves for the collector is the sockets that changed.
 */
final class WatchedSocket {
    /** What names the socket (see {@link #describe}), compared field by field. */
    private final String[] naming;
    private final String description;
    /** The option names and their values, in the entry's order. */
    private final String[] names;
    private final JsonNode[] values;
    private final JsonNode backlog;
    private final JsonNode acceptQueue;

    private WatchedSocket(String[] naming, String[] names, JsonNode[] values, JsonNode backlog,
            JsonNode acceptQueue) {
        this.naming = naming;
        this.description = describe(naming);
        this.names = names;
        this.values = values;
        this.backlog = backlog;
        this.acceptQueue = acceptQueue;
    }

    /** One socket_info entry, as it is. */
    static WatchedSocket of(JsonNode entry) {
        return from(entry, null);
    }

    /**
     * This socket read again as {@code entry}: this same object when nothing it keeps changed,
     * else what the entry says. An entry of a socket that the reading did not reach through
     * getsockopt ({@code reached} false) holds only what the socket diagnostics carry: the
     * options it lacks keep their values from here, as do backlog and accept queue.
     *
     * @param changed gets the lines to print for what changed (without their timestamp):
     *                each option whose value differs, then the backlog, in the entry's order
     */
    WatchedSocket after(JsonNode entry, boolean reached, List<String> changed) {
        if (holdsAll(entry, reached)) {
            return this; // the usual case, and without building anything
        }
        WatchedSocket now = from(entry, reached ? null : this);
        for (int i = 0; i < now.names.length; i++) {
            JsonNode was = value(now.names[i]);
            if (was != null && !was.equals(now.values[i])) {
                changed.add(now.description + ": " + SocketInspector.compact(now.names[i], was) + " -> "
                        + SocketInspector.compact(now.names[i], now.values[i]));
            }
        }
        if (entry.has("backlog") && !entry.get("backlog").equals(backlog)) {
            changed.add(now.description + ": backlog " + (backlog == null ? "" : backlog.asText()) + " -> "
                    + entry.get("backlog").asText());
        }
        return now;
    }

    /** Whether {@code entry} says nothing this does not: same naming, same values of what it has. */
    private boolean holdsAll(JsonNode entry, boolean reached) {
        for (int i = 0; i < naming.length; i++) {
            if (!naming[i].equals(namingField(entry, i))) {
                return false;
            }
        }
        JsonNode options = entry.path("options");
        if (reached && options.size() != names.length) { // a reached socket's entry is all there is
            return false;
        }
        int i = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = options.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> option = fields.next();
            // the entry's options come in the registry's order, as they did the time before
            JsonNode was = i < names.length && names[i].equals(option.getKey()) ? values[i] : value(option.getKey());
            if (!option.getValue().equals(was)) {
                return false;
            }
            i++;
        }
        return holds(entry.get("backlog"), backlog, reached) && holds(entry.get("accept_queue"), acceptQueue, reached);
    }

    /** A value the entry has is the same; one it lacks is carried when the socket was not reached. */
    private static boolean holds(JsonNode now, JsonNode kept, boolean reached) {
        return now != null ? now.equals(kept) : !reached || kept == null;
    }

    /** How the printed lines name this socket (see {@link #describe}). */
    String description() {
        return description;
    }

    private static WatchedSocket from(JsonNode entry, WatchedSocket carriedFrom) {
        List<String> names = new ArrayList<>();
        List<JsonNode> values = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> options = entry.path("options").fields();
        while (options.hasNext()) {
            Map.Entry<String, JsonNode> option = options.next();
            names.add(option.getKey());
            values.add(option.getValue());
        }
        JsonNode backlog = entry.get("backlog");
        JsonNode acceptQueue = entry.get("accept_queue");
        if (carriedFrom != null) {
            for (int i = 0; i < carriedFrom.names.length; i++) {
                if (!names.contains(carriedFrom.names[i])) {
                    names.add(carriedFrom.names[i]);
                    values.add(carriedFrom.values[i]);
                }
            }
            // tcp_info's, when the socket diagnostics lacked it
            backlog = backlog != null ? backlog : carriedFrom.backlog;
            acceptQueue = acceptQueue != null ? acceptQueue : carriedFrom.acceptQueue;
        }
        String[] naming = new String[NAMING.length];
        for (int i = 0; i < naming.length; i++) {
            naming[i] = namingField(entry, i);
        }
        return new WatchedSocket(naming, names.toArray(new String[0]), values.toArray(new JsonNode[0]),
                backlog, acceptQueue);
    }

    private JsonNode value(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The fields of an entry that name its socket, in {@link #describe}'s order. */
    private static final String[] NAMING = {"pid", "process", "protocol", "local", "remote", "state"};

    private static String namingField(JsonNode entry, int field) {
        JsonNode owner = entry.path("owners").path(0); // the first holder is the one named
        return (field < 2 ? owner.path(NAMING[field]) : entry.path(NAMING[field])).asText();
    }

    /** "pid 1234 (nginx) tcp 0.0.0.0:80 listen". */
    private static String describe(String[] naming) {
        return "pid " + naming[0] + " (" + naming[1] + ") " + naming[2] + " " + naming[3]
                + (naming[4].endsWith(":*") ? "" : " -> " + naming[4]) + " " + naming[5];
    }
}
