package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.livetune.executor.nativeio.ErrnoException;

/**
 * The listen backlog of a TCP listener. The kernel has no option for it: it is read from
 * TCP_INFO and set by calling listen(2) again, which on a listening socket changes nothing
 * but the backlog (inet_listen). The kernel caps it at net.core.somaxconn.
 */
public final class Backlog implements SocketSetting {
    public static final String NAME = "backlog";
    public static final Backlog INSTANCE = new Backlog();

    private Backlog() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Every socket "takes" it so that {@code state: listen} over a service with TCP and UDP
     * ports just passes over the UDP ones: only TCP listeners have a backlog.
     */
    @Override
    public boolean takes(Protocol protocol, Family family) {
        return true;
    }

    @Override
    public boolean listenersOnly() {
        return true;
    }

    @Override
    public JsonNode read(LiveSocket socket) throws ErrnoException {
        return IntNode.valueOf(TcpInfo.of(socket).listenBacklog());
    }

    @Override
    public void write(LiveSocket socket, JsonNode requested, boolean force) throws ErrnoException {
        socket.listen(requested.asInt());
    }

    @Override
    public Expected expect(JsonNode requested, JsonNode current, KernelFacts facts, boolean force,
            Protocol protocol) {
        long wanted = requested.asLong();
        if (wanted > facts.somaxconn()) {
            return Expected.adjusted(IntNode.valueOf((int) facts.somaxconn()),
                    "backlog: " + wanted + " is above net.core.somaxconn (" + facts.somaxconn()
                            + "); the kernel keeps " + facts.somaxconn()
                            + ". Raise net.core.somaxconn to allow more.");
        }
        return Expected.exactly(IntNode.valueOf((int) wanted));
    }
}
