package io.livetune.executor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What {@code sockets --watch} prints for a reading, from socket_info entries as the module
 * hands them on (the command's own tests watch real sockets change): the lines, the values a
 * socket not reached through getsockopt keeps, and that an unchanged socket is kept as it was.
 */
class WatchReadingTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String LISTENER = "pid 7 (nginx) tcp 127.0.0.1:80 listen";

    @Test
    void anUnchangedSocketIsTheSameObjectAndPrintsNothing() {
        Map<Long, WatchedSocket> first = WatchReading.of(result(listener(20, false)));
        WatchReading next = read(first, Set.of(1L), listener(20, false));
        assertEquals(List.of(), next.lines());
        assertSame(first.get(1L), next.sockets().get(1L), "nothing new kept for an unchanged socket");
    }

    @Test
    void aChangedOptionAndBacklogPrintFromWhatToWhat() {
        Map<Long, WatchedSocket> first = WatchReading.of(result(listener(20, false)));
        WatchReading next = read(first, Set.of(1L), listener(64, true));
        assertEquals(List.of(LISTENER + ": SO_KEEPALIVE=0 -> SO_KEEPALIVE=1", LISTENER + ": backlog 20 -> 64"),
                next.lines());
        assertNotSame(first.get(1L), next.sockets().get(1L));
        assertEquals(List.of(), read(next.sockets(), Set.of(1L), listener(64, true)).lines(), "printed once");
    }

    @Test
    void aSocketNotReachedKeepsWhatOnlyGetsockoptTellsAndComparesTheRest() {
        Map<Long, WatchedSocket> first = WatchReading.of(result(listener(20, false)));
        // not reached: the entry has the diagnostics' values only (so_rcvbuf), no so_keepalive, no backlog
        ObjectNode diagnosticsOnly = listener(20, false);
        ((ObjectNode) diagnosticsOnly.get("options")).remove("so_keepalive");
        diagnosticsOnly.remove("backlog");
        WatchReading unreached = read(first, Set.of(), diagnosticsOnly);
        assertEquals(List.of(), unreached.lines());
        assertSame(first.get(1L), unreached.sockets().get(1L), "kept whole: what it lacks is carried");

        ((ObjectNode) diagnosticsOnly.get("options")).put("so_rcvbuf", 8192);
        WatchReading changed = read(unreached.sockets(), Set.of(), diagnosticsOnly);
        assertEquals(List.of(LISTENER + ": SO_RCVBUF=4096 -> SO_RCVBUF=8192"), changed.lines());
        // its next turn through getsockopt compares so_keepalive with the carried value
        WatchReading reached = read(changed.sockets(), Set.of(1L), listener(20, true));
        assertEquals(List.of(LISTENER + ": SO_RCVBUF=8192 -> SO_RCVBUF=4096",
                LISTENER + ": SO_KEEPALIVE=0 -> SO_KEEPALIVE=1"), reached.lines());
    }

    @Test
    void openedSocketsInOrderThenClosedOnes() {
        Map<Long, WatchedSocket> first = WatchReading.of(result(listener(20, false), udp(2, 5000)));
        WatchReading next = read(first, Set.of(1L, 3L), listener(20, false), udp(3, 5001));
        assertEquals(List.of("opened pid 7 (nginx) udp 127.0.0.1:5001 unconn",
                "closed pid 7 (nginx) udp 127.0.0.1:5000 unconn"), next.lines());
        assertEquals(List.of(1L, 3L), next.sockets().keySet().stream().collect(Collectors.toList()));
    }

    /** The entries as the module hands them on: prepared in runs of one, on several threads, accepted in order. */
    private static WatchReading read(Map<Long, WatchedSocket> before, Set<Long> reached, ObjectNode... entries) {
        WatchReading reading = new WatchReading(before, reached::contains);
        List<List<WatchReading.Compared>> prepared = List.of(entries).parallelStream()
                .map(entry -> reading.prepare(List.of(entry))).collect(Collectors.toList());
        prepared.forEach(reading::accept);
        return reading;
    }

    private static ObjectNode result(ObjectNode... entries) {
        ObjectNode result = NODES.objectNode();
        result.putArray("sockets").addAll(List.of(entries));
        return result;
    }

    private static ObjectNode listener(int backlog, boolean keepalive) {
        ObjectNode entry = socket(1, "tcp", "127.0.0.1:80", "0.0.0.0:*", "listen");
        entry.put("backlog", backlog).put("accept_queue", 0);
        entry.putObject("options").put("so_rcvbuf", 4096).put("so_keepalive", keepalive);
        return entry;
    }

    private static ObjectNode udp(long inode, int port) {
        ObjectNode entry = socket(inode, "udp", "127.0.0.1:" + port, "0.0.0.0:*", "unconn");
        entry.putObject("options").put("so_rcvbuf", 4096);
        return entry;
    }

    private static ObjectNode socket(long inode, String protocol, String local, String remote, String state) {
        ObjectNode entry = NODES.objectNode();
        entry.put("protocol", protocol).put("local", local).put("remote", remote).put("state", state).put("inode", inode);
        entry.putArray("owners").addObject().put("pid", 7).put("fd", 3).put("process", "nginx");
        return entry;
    }
}
