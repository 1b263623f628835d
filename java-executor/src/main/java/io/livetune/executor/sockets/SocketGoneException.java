package io.livetune.executor.sockets;

/**
 * The target no longer holds the scanned socket at that descriptor: it closed it, or the
 * number now holds another socket (or something else), at some moment between the scan and
 * livetune's last look. On a busy server connections come and go all the time; this is
 * normal, and the socket is left alone.
 */
public class SocketGoneException extends Exception {
    private static final long serialVersionUID = 1L;
    /** What {@link #actualInode()} says when the descriptor is closed or holds no socket. */
    public static final long NO_SOCKET = -1;

    private final long actualInode;

    /**
     * @param actualInode the socket inode the descriptor holds now, or {@link #NO_SOCKET} when
     *                    it is closed or holds something that is not a socket
     */
    public SocketGoneException(int targetFd, long expectedInode, long actualInode) {
        super(actualInode == NO_SOCKET ? "fd " + targetFd + " was closed"
                : "fd " + targetFd + " now holds another socket (inode " + actualInode + ", not " + expectedInode + ")");
        this.actualInode = actualInode;
    }

    public long actualInode() {
        return actualInode;
    }
}
