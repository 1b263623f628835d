package io.livetune.executor.sockets;

import io.livetune.executor.sockets.diag.InetDiagMessage;
import java.net.InetAddress;

/**
 * A socket of some process's network namespace, as one line of /proc/PID/net/{tcp,tcp6,udp,udp6}
 * or one socket of the kernel's socket diagnostics describes it.
 *
 * @param diag what the kernel's socket diagnostics said of it at the scan, or null when it was read from /proc
 */
public record InetSocket(Protocol protocol, Family family, SocketState state, InetAddress localAddress, int localPort,
        InetAddress remoteAddress, int remotePort, long sendQueue, long receiveQueue, long inode, InetDiagMessage diag) {

    /** A socket read from /proc/PID/net: no socket diagnostics. */
    public InetSocket(Protocol protocol, Family family, SocketState state, InetAddress localAddress, int localPort,
            InetAddress remoteAddress, int remotePort, long sendQueue, long receiveQueue, long inode) {
        this(protocol, family, state, localAddress, localPort, remoteAddress, remotePort, sendQueue, receiveQueue,
                inode, null);
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
