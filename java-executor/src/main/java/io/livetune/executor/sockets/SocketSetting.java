package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.nativeio.ErrnoException;

/**
 * Something livetune reads and changes on a live socket: a socket option from the
 * {@link OptionRegistry}, a raw option, or the listen backlog. The planner treats them alike.
 */
public interface SocketSetting {

    /** The name users write and results show. */
    String name();

    /** Whether a socket of this kind accepts it at all; asking for it anyway is an error. */
    boolean takes(Protocol protocol, Family family);

    /** Settings that only mean something on a listening socket skip the other sockets matched. */
    boolean listenersOnly();

    /** The value in force, as the kernel reports it. */
    JsonNode read(LiveSocket socket) throws ErrnoException;

    /** Sets the value. */
    void write(LiveSocket socket, JsonNode requested, boolean force) throws ErrnoException;

    /**
     * Puts back a value this setting reported before a change (to undo a half-applied task).
     * Most settings take back what they report; buffers override this, as they report double.
     */
    default void restore(LiveSocket socket, JsonNode reported) throws ErrnoException {
        write(socket, reported, false);
    }

    /** What the kernel will report once {@code requested} is set on a socket now reporting {@code current}. */
    Expected expect(JsonNode requested, JsonNode current, KernelFacts facts, boolean force,
            Protocol protocol);
}
