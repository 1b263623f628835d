package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Checks of one socket_info entry against views that are not the executor's. */
final class SocketAssertions {
    private SocketAssertions() {}

    /** Options whose value is a yes/no: JSON booleans, never 0/1. */
    static final Set<String> BOOLEAN_OPTIONS = Set.of("so_keepalive", "so_reuseaddr", "so_reuseport",
            "so_broadcast", "tcp_nodelay", "tcp_thin_linear_timeouts");

    /** What the issue (and knetstat) require for every socket, for TCP, for TCP listeners and for UDP. */
    static final List<String> ANY_SOCKET = List.of("so_reuseaddr", "so_reuseport", "so_keepalive", "so_linger",
            "so_rcvbuf", "so_sndbuf", "so_rcvtimeo", "so_sndtimeo");
    static final List<String> TCP_SOCKET = List.of("tcp_nodelay", "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt",
            "tcp_user_timeout", "tcp_congestion");
    static final List<String> TCP_LISTENER = List.of("tcp_defer_accept", "tcp_fastopen");
    static final List<String> UDP_SOCKET = List.of("so_broadcast");

    /** A process name (comm, at most 15 characters) no other process on the host has. */
    static String uniqueName(String prefix) {
        return (prefix + UUID.randomUUID().toString().replace("-", "")).substring(0, 15);
    }

    /** The options the issue lists for this kind of socket are all there, and none of the other protocol. */
    static void assertHasTheOptionsOfItsKind(JsonNode entry, String context) {
        JsonNode options = entry.path("options");
        assertTrue(options.isObject(), "no options object" + context);
        List<String> required = new ArrayList<>(ANY_SOCKET);
        boolean tcp = entry.path("protocol").asText().equals("tcp");
        if (tcp) {
            required.addAll(TCP_SOCKET);
            if (entry.path("state").asText().equals("listen")) {
                required.addAll(TCP_LISTENER);
            }
        } else {
            required.addAll(UDP_SOCKET);
        }
        for (String name : required) {
            assertTrue(options.has(name), "option " + name + " missing for a " + entry.path("protocol").asText()
                    + " " + entry.path("state").asText() + " socket" + context);
        }
        Iterator<String> names = options.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!tcp) {
                assertTrue(!name.startsWith("tcp_"), "a TCP option on a UDP socket: " + name + context);
            } else {
                assertTrue(!name.equals("so_broadcast"), "so_broadcast on a TCP socket" + context);
            }
        }
    }

    /**
     * Every option the executor reports equals the target's own getsockopt of the same descriptor,
     * and has the JSON type of its kind (booleans, so_linger an object, tcp_congestion a string).
     */
    static void assertEveryOptionMatchesOwnView(JsonNode entry, JsonNode own, String context) {
        JsonNode options = entry.path("options");
        assertTrue(options.isObject() && options.size() > 0, "no options" + context);
        List<String> mismatches = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = options.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode reported = field.getValue();
            JsonNode expected = own.get(name);
            if (expected == null) {
                mismatches.add(name + ": reported " + reported + ", but the target's own getsockopt has no such option");
                continue;
            }
            if (expected.isTextual() && expected.asText().startsWith("error")) {
                mismatches.add(name + ": reported " + reported + ", the target's own getsockopt failed: " + expected);
            } else if (BOOLEAN_OPTIONS.contains(name)) {
                if (!reported.isBoolean() || reported.asBoolean() != (expected.asInt() != 0)) {
                    mismatches.add(name + ": reported " + reported + ", the target sees " + expected + " (a boolean is expected)");
                }
            } else if (name.equals("so_linger")) {
                if (!reported.isObject() || !reported.path("enabled").isBoolean() || !reported.path("seconds").isInt()
                        || !reported.equals(expected)) {
                    mismatches.add(name + ": reported " + reported + ", the target sees " + expected);
                }
            } else if (name.equals("tcp_congestion")) {
                if (!reported.isTextual() || !reported.asText().equals(expected.asText())) {
                    mismatches.add(name + ": reported " + reported + ", the target sees " + expected);
                }
            } else if (!reported.isIntegralNumber() || reported.asLong() != expected.asLong()) {
                mismatches.add(name + ": reported " + reported + ", the target sees " + expected);
            }
        }
        if (!mismatches.isEmpty()) {
            fail("options differ from the target's own getsockopt:\n  " + String.join("\n  ", mismatches)
                    + "\ntarget's view: " + own + context);
        }
    }

    /** {@code owners} holds exactly this (pid, fd, process name) among its entries. */
    static void assertOwnedBy(JsonNode entry, long pid, int fd, String processName, String context) {
        for (JsonNode owner : entry.path("owners")) {
            if (owner.path("pid").asLong() == pid) {
                assertEquals(fd, owner.path("fd").asInt(), "owner fd of pid " + pid + context);
                assertEquals(processName, owner.path("process").asText(), "owner process of pid " + pid + context);
                return;
            }
        }
        fail("pid " + pid + " is not among the owners" + context);
    }

    static void assertNoNotes(JsonNode entry, String context) {
        assertTrue(!entry.has("notes") || entry.get("notes").isEmpty(), "unexpected notes" + context);
    }

    static List<String> texts(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(item -> list.add(item.asText()));
        return list;
    }
}
