package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.nativeio.ErrnoException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads everything livetune can tell about one socket through its duplicate: every registry
 * option that applies to its kind, the backlog and accept queue of a listener, and the
 * stalls knetstat points out on a connection. What cannot be read becomes a note.
 */
public final class SocketInspector {
    private static final long STALL_MILLIS = 1000;

    private SocketInspector() {
    }

    /** The options that apply to a socket of this kind and state, in registry order. */
    public static List<SocketOption> optionsFor(InetSocket socket) {
        return optionsFor(socket.protocol(), socket.family(), socket.state() == SocketState.LISTEN);
    }

    /** The options that apply to sockets of this protocol and family (listener-only ones for listeners). */
    public static List<SocketOption> optionsFor(Protocol protocol, Family family, boolean listening) {
        return OPTIONS_BY_KIND[protocol.ordinal()][family.ordinal()][listening ? 1 : 0];
    }

    /**
     * {@link #optionsFor(Protocol, Family, boolean)} for every kind, picked from the registry
     * once: an inventory asks for each of tens of thousands of sockets.
     */
    private static final List<SocketOption>[][][] OPTIONS_BY_KIND = optionsByKind();

    @SuppressWarnings("unchecked")
    private static List<SocketOption>[][][] optionsByKind() {
        List<SocketOption>[][][] byKind = new List[Protocol.values().length][Family.values().length][2];
        for (Protocol protocol : Protocol.values()) {
            for (Family family : Family.values()) {
                for (boolean listening : new boolean[] {false, true}) {
                    List<SocketOption> options = new ArrayList<>();
                    for (SocketOption option : OptionRegistry.all()) {
                        if (option.takes(protocol, family) && (!option.listenersOnly() || listening)) {
                            options.add(option);
                        }
                    }
                    byKind[protocol.ordinal()][family.ordinal()][listening ? 1 : 0] = List.copyOf(options);
                }
            }
        }
        return byKind;
    }

    /** Fills {@code into} with options, backlog, accept_queue and diagnostics; adds what failed to {@code notes}. */
    public static void inspect(LiveSocket duplicate, InetSocket socket, ObjectNode into, List<String> notes) {
        fill(duplicate, socket, into, notes);
    }

    /**
     * Fills {@code into} with only what the scan's socket diagnostics carried (no getsockopt,
     * the socket is not reached): the options they hold, and backlog, accept_queue and
     * diagnostics when they held tcp_info. A scan from /proc carries none of it.
     */
    public static void inspectCarried(InetSocket socket, ObjectNode into) {
        fill(null, socket, into, new ArrayList<>());
    }

    /** With {@code duplicate} null, what sock_diag carried only. */
    private static void fill(LiveSocket duplicate, InetSocket socket, ObjectNode into, List<String> notes) {
        ObjectNode options = JsonNodeFactory.instance.objectNode();
        for (SocketOption option : optionsFor(socket)) {
            JsonNode carried = option.fromSockDiag(socket.diag());
            if (carried != null) {
                options.set(option.name(), carried); // read at the scan, in bulk: no getsockopt
                continue;
            }
            if (duplicate == null) {
                continue;
            }
            try {
                options.set(option.name(), option.read(duplicate));
            } catch (ErrnoException e) {
                notes.add(option.name() + ": not readable: " + e.getMessage());
            }
        }
        if (socket.protocol() == Protocol.TCP) {
            tcpInfo(duplicate, socket, into, notes);
        }
        into.set("options", options);
    }

    private static void tcpInfo(LiveSocket duplicate, InetSocket socket, ObjectNode into, List<String> notes) {
        TcpInfo info;
        try {
            byte[] carried = socket.diag() == null ? null : socket.diag().tcpInfo();
            if (carried == null && duplicate == null) {
                return;
            }
            info = carried != null ? TcpInfo.of(carried) : TcpInfo.of(duplicate);
        } catch (ErrnoException e) {
            notes.add("TCP_INFO: not readable: " + e.getMessage());
            return;
        }
        if (socket.state() == SocketState.LISTEN) {
            into.put("backlog", info.listenBacklog());
            into.put("accept_queue", info.acceptQueue());
            return;
        }
        if (socket.state() != SocketState.ESTABLISHED) {
            return;
        }
        ArrayNode diagnostics = into.putArray("diagnostics");
        if (info.peerWindow() == 0) {
            diagnostics.add("peer window is 0: we cannot send");
        }
        if (info.ourWindow() == 0) {
            diagnostics.add("our window is 0: we cannot receive");
        }
        if (info.unacknowledged() > 0 && info.sinceLastAckMillis() > STALL_MILLIS) {
            diagnostics.add(info.unacknowledged() + " segment(s) unacknowledged, no ACK for "
                    + info.sinceLastAckMillis() + " ms");
        }
    }

    /** "SO_RCVBUF=8192": an option as knetstat prints it. */
    public static String compact(String name, JsonNode value) {
        String text;
        if (value.isBoolean()) {
            text = value.asBoolean() ? "1" : "0";
        } else if (value.isObject()) {
            text = "(" + (value.path("enabled").asBoolean() ? 1 : 0) + "," + value.path("seconds").asInt() + ")";
        } else {
            text = value.asText();
        }
        return name.toUpperCase(java.util.Locale.ROOT) + "=" + text;
    }
}
