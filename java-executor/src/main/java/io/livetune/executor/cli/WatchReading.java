package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketinfo.SocketEntrySink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * One reading of {@code sockets --watch}, compared with the one before as its entries are
 * read: each entry becomes a {@link WatchedSocket} (on the reading's threads) and is dropped,
 * so that no reading's whole tree is ever held.
 */
final class WatchReading implements SocketEntrySink<List<WatchReading.Compared>> {
    private final Map<Long, WatchedSocket> before;
    private final LongPredicate reached;
    private final Map<Long, WatchedSocket> after = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();

    /** A socket as this reading left it, and the lines its changes print (none for most). */
    record Compared(long inode, WatchedSocket socket, List<String> lines) {
    }

    /**
     * @param before  the reading before, by inode: only read while this reading runs
     * @param reached whether this reading reaches the socket of an inode through getsockopt
     *                (ReadingSlice::wasRead); called on the reading's threads
     */
    WatchReading(Map<Long, WatchedSocket> before, LongPredicate reached) {
        this.before = before;
        this.reached = reached;
    }

    /** The sockets of a complete result (the watch's first reading), by inode, in its order. */
    static Map<Long, WatchedSocket> of(ObjectNode result) {
        Map<Long, WatchedSocket> sockets = new LinkedHashMap<>();
        result.path("sockets").forEach(socket -> sockets.put(socket.path("inode").asLong(), WatchedSocket.of(socket)));
        return sockets;
    }

    @Override
    public List<Compared> prepare(List<ObjectNode> run) {
        List<Compared> compared = new ArrayList<>(run.size());
        for (ObjectNode entry : run) {
            long inode = entry.path("inode").asLong();
            WatchedSocket was = before.get(inode);
            if (was == null) {
                WatchedSocket opened = WatchedSocket.of(entry);
                compared.add(new Compared(inode, opened, List.of("opened " + opened.description())));
                continue;
            }
            List<String> changed = new ArrayList<>(0);
            WatchedSocket now = was.after(entry, reached.test(inode), changed);
            compared.add(new Compared(inode, now, changed.isEmpty() ? Collections.emptyList() : changed));
        }
        return compared;
    }

    @Override
    public void accept(List<Compared> run) {
        for (Compared socket : run) {
            after.put(socket.inode(), socket.socket());
            lines.addAll(socket.lines());
        }
    }

    /** What this reading printed, in order (opened and changed sockets, then closed ones), without timestamps. */
    List<String> lines() {
        List<String> all = new ArrayList<>(lines);
        for (Map.Entry<Long, WatchedSocket> socket : before.entrySet()) {
            if (!after.containsKey(socket.getKey())) {
                all.add("closed " + socket.getValue().description());
            }
        }
        return all;
    }

    /** The sockets as this reading left them: the next reading's {@code before}. */
    Map<Long, WatchedSocket> sockets() {
        return after;
    }
}
