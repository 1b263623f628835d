package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.nativeio.ErrnoException;

/**
 * An option the registry does not know, given as {level, optname, value}: an int set and
 * read back as is. The kernel decides whether the socket takes it.
 */
public record RawOption(int level, int optname) implements SocketSetting {
    @Override
    public String name() {
        return "raw:" + level + ":" + optname;
    }

    @Override
    public boolean takes(Protocol protocol, Family family) {
        return true;
    }

    @Override
    public boolean listenersOnly() {
        return false;
    }

    @Override
    public JsonNode read(LiveSocket socket) throws ErrnoException {
        return ValueType.INT.decode(socket.getsockopt(level, optname, 4));
    }

    @Override
    public void write(LiveSocket socket, JsonNode requested, boolean force) throws ErrnoException {
        socket.setsockopt(level, optname, ValueType.INT.encode(requested));
    }

    @Override
    public Expected expect(JsonNode requested, JsonNode current, KernelFacts facts, boolean force,
            Protocol protocol) {
        return Expected.exactly(requested);
    }
}
