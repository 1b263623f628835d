package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketGoneException;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets that their processes closed or replaced while the task worked on them: on a
 * busy server, connections that came and went. Left alone, never counted as changed, listed
 * in the result and named in one warning.
 */
final class VanishedSockets {
    private static final int NAMED_IN_WARNING = 3;

    private final List<ScannedSocket> sockets = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();
    private final List<String> moments = new ArrayList<>();

    void add(ScannedSocket socket, SocketGoneException why, String doing) {
        sockets.add(socket);
        reasons.add(why.getMessage());
        moments.add(doing);
    }

    boolean isEmpty() {
        return sockets.isEmpty();
    }

    int size() {
        return sockets.size();
    }

    /** "2 socket(s) went away while livetune worked on them and were left alone: pid 1 … (and 3 more)". */
    String sentence() {
        List<String> named = new ArrayList<>();
        for (int i = 0; i < Math.min(NAMED_IN_WARNING, sockets.size()); i++) {
            named.add(sockets.get(i).describe() + ": " + reasons.get(i) + " while livetune was " + moments.get(i));
        }
        int more = sockets.size() - named.size();
        return sockets.size() + " socket(s) went away while livetune worked on them (closed or replaced by their "
                + "process, as connections come and go) and were left alone: " + String.join("; ", named)
                + (more > 0 ? "; and " + more + " more (listed in vanished)" : "");
    }

    ArrayNode toJson() {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < sockets.size(); i++) {
            ScannedSocket socket = sockets.get(i);
            list.addObject()
                    .put("pid", socket.pid())
                    .put("fd", socket.fd())
                    .put("inode", socket.socket().inode())
                    .put("process", socket.process().name())
                    .put("protocol", socket.socket().protocol().label())
                    .put("state", socket.socket().state().label())
                    .put("local", socket.socket().local())
                    .put("remote", socket.socket().remote())
                    .put("reason", reasons.get(i) + " while livetune was " + moments.get(i));
        }
        return list;
    }
}
