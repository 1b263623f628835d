package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;

/**
 * Work on sockets of one target process, done through {@link OpenedProcess#visit}, whichever
 * access method reaches them. For every socket exactly one of the two is true at the end: the
 * visit ran on the scanned socket and the target still held it when it ended, or
 * {@link #vanished} was called (possibly after {@link #visit}: then what the visit did or saw
 * belongs to a socket the target no longer holds, and must not count).
 */
public interface SocketVisitor {

    /**
     * Reads or changes one socket. An {@link ErrnoException} thrown here is the kernel's
     * refusal: it ends the whole visit, unless the socket turns out to be gone (then
     * {@link #vanished} is called instead and the visit goes on with the next socket).
     */
    void visit(ScannedSocket socket, LiveSocket live) throws ErrnoException;

    /** The target closed or replaced this socket's descriptor at some point of the visit. */
    void vanished(ScannedSocket socket, SocketGoneException why);
}
