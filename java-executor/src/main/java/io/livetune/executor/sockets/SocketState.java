package io.livetune.executor.sockets;

/**
 * Socket states as /proc/net/{tcp,udp}* number them (include/net/tcp_states.h), named the
 * way ss names them. A UDP socket that is bound but not connected shows TCP_CLOSE there;
 * like ss we call it "unconn", and it counts as listening.
 */
public enum SocketState {
    ESTABLISHED(0x01, "established"),
    SYN_SENT(0x02, "syn-sent"),
    SYN_RECV(0x03, "syn-recv"),
    FIN_WAIT1(0x04, "fin-wait-1"),
    FIN_WAIT2(0x05, "fin-wait-2"),
    TIME_WAIT(0x06, "time-wait"),
    CLOSE(0x07, "close"),
    CLOSE_WAIT(0x08, "close-wait"),
    LAST_ACK(0x09, "last-ack"),
    LISTEN(0x0A, "listen"),
    CLOSING(0x0B, "closing"),
    NEW_SYN_RECV(0x0C, "new-syn-recv"),
    UNCONN(-1, "unconn");

    private final int code;
    private final String label;

    SocketState(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public String label() {
        return label;
    }

    static SocketState of(Protocol protocol, int code) {
        if (protocol == Protocol.UDP && code == CLOSE.code) {
            return UNCONN;
        }
        for (SocketState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown socket state " + code);
    }

    /** The kernel's number of this state for {@code protocol} (include/net/tcp_states.h). */
    int code(Protocol protocol) {
        return this == UNCONN ? CLOSE.code : code;
    }

    /** Listening in the sense of ss -l: a TCP listener or a bound, unconnected UDP socket. */
    public boolean isListening() {
        return this == LISTEN || this == UNCONN;
    }
}
