package io.livetune.executor.sockets;

import java.net.InetAddress;
import java.util.Set;

/** Which sockets of the target processes a task is about; every given condition must hold. */
public final class SocketFilter {
    /** state: listen | established | any. */
    public enum StateFilter { LISTEN, ESTABLISHED, ANY }

    private Set<Integer> fds;
    private Protocol protocol;
    private Family family;
    private StateFilter state = StateFilter.ANY;
    private Integer localPort;
    private InetAddress localAddress;
    private Integer remotePort;
    private InetAddress remoteAddress;

    public SocketFilter fds(Set<Integer> fds) {
        this.fds = fds;
        return this;
    }

    public SocketFilter protocol(Protocol protocol) {
        this.protocol = protocol;
        return this;
    }

    public SocketFilter family(Family family) {
        this.family = family;
        return this;
    }

    public SocketFilter state(StateFilter state) {
        this.state = state;
        return this;
    }

    public SocketFilter localPort(Integer port) {
        this.localPort = port;
        return this;
    }

    public SocketFilter localAddress(InetAddress address) {
        this.localAddress = address;
        return this;
    }

    public SocketFilter remotePort(Integer port) {
        this.remotePort = port;
        return this;
    }

    public SocketFilter remoteAddress(InetAddress address) {
        this.remoteAddress = address;
        return this;
    }

    /** Whether a descriptor of the process, holding this socket, is picked. */
    public boolean matches(int fd, InetSocket socket) {
        return (fds == null || fds.contains(fd))
                && (protocol == null || protocol == socket.protocol())
                && (family == null || family == socket.family())
                && stateMatches(socket.state())
                && (localPort == null || localPort == socket.localPort())
                && (localAddress == null || localAddress.equals(socket.localAddress()))
                && (remotePort == null || remotePort == socket.remotePort())
                && (remoteAddress == null || remoteAddress.equals(socket.remoteAddress()));
    }

    /**
     * Whether a socket of this protocol, family and state can be picked, whatever its
     * descriptor, addresses and ports: what the kernel's socket diagnostics are asked for.
     */
    boolean couldMatch(Protocol socketProtocol, Family socketFamily, SocketState socketState) {
        return (protocol == null || protocol == socketProtocol)
                && (family == null || family == socketFamily)
                && stateMatches(socketState);
    }

    private boolean stateMatches(SocketState socketState) {
        switch (state) {
            case LISTEN:
                return socketState.isListening();
            case ESTABLISHED:
                return socketState == SocketState.ESTABLISHED;
            default:
                return true;
        }
    }
}
