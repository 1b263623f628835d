package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.sockets.InetSocket;
import io.livetune.executor.sockets.ScannedSocket;

/** The identity of a listed socket as JSON: where it is, who holds it, its queues. */
final class SocketEntries {
    private SocketEntries() {
    }

    static ObjectNode base(ScannedSocket scanned) {
        InetSocket socket = scanned.socket();
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("protocol", socket.protocol().label());
        entry.put("family", socket.family().label());
        entry.put("state", socket.state().label());
        entry.put("local", socket.local());
        entry.put("remote", socket.remote());
        entry.put("inode", socket.inode());
        entry.put("recv_q", socket.receiveQueue());
        entry.put("send_q", socket.sendQueue());
        entry.put("netns", scanned.namespace());
        ArrayNode owners = entry.putArray("owners");
        scanned.holders().forEach(holder ->
                owners.addObject().put("pid", holder.pid()).put("fd", holder.fd()).put("process", holder.name()));
        return entry;
    }
}
