package io.livetune.executor.sockets;

import io.livetune.executor.sockets.diag.InetDiagMessage;
import java.net.InetAddress;

/**
 * A socket of some process's network namespace, as one line of /proc/PID/net/{tcp,tcp6,udp,udp6}
 * or one socket of the kernel's socket diagnostics describes it.
 */
public final class InetSocket {
    private final Protocol protocol;
    private final Family family;
    private final SocketState state;
    private final InetAddress localAddress;
    private final int localPort;
    private final InetAddress remoteAddress;
    private final int remotePort;
    private final long sendQueue;
    private final long receiveQueue;
    private final long inode;
    private final InetDiagMessage diag;

    public InetSocket(Protocol protocol, Family family, SocketState state, InetAddress localAddress, int localPort,
            InetAddress remoteAddress, int remotePort, long sendQueue, long receiveQueue, long inode) {
        this(protocol, family, state, localAddress, localPort, remoteAddress, remotePort, sendQueue, receiveQueue,
                inode, null);
    }

    InetSocket(Protocol protocol, Family family, SocketState state, InetAddress localAddress, int localPort,
            InetAddress remoteAddress, int remotePort, long sendQueue, long receiveQueue, long inode,
            InetDiagMessage diag) {
        this.protocol = protocol;
        this.family = family;
        this.state = state;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.sendQueue = sendQueue;
        this.receiveQueue = receiveQueue;
        this.inode = inode;
        this.diag = diag;
    }

    /** What the kernel's socket diagnostics said of it at the scan, or null when it was read from /proc. */
    InetDiagMessage diag() {
        return diag;
    }

    public Protocol protocol() {
        return protocol;
    }

    public Family family() {
        return family;
    }

    public SocketState state() {
        return state;
    }

    public InetAddress localAddress() {
        return localAddress;
    }

    public int localPort() {
        return localPort;
    }

    public InetAddress remoteAddress() {
        return remoteAddress;
    }

    public int remotePort() {
        return remotePort;
    }

    public long sendQueue() {
        return sendQueue;
    }

    public long receiveQueue() {
        return receiveQueue;
    }

    public long inode() {
        return inode;
    }

    /** "127.0.0.1:8080", "[::1]:8080" or "[::ffff:127.0.0.1]:8080", as ss prints it. */
    public String local() {
        return Addresses.endpoint(family, localAddress, Integer.toString(localPort));
    }

    /** The peer; a port of 0 (listeners, unconnected UDP) prints as "*", as ss does. */
    public String remote() {
        return Addresses.endpoint(family, remoteAddress, remotePort == 0 ? "*" : Integer.toString(remotePort));
    }

    @Override
    public String toString() {
        return protocol.label() + " " + local() + " " + state.label() + (remotePort == 0 ? "" : " to " + remote());
    }
}
