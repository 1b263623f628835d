package io.livetune.executor.sockets;

/** The target's descriptor now holds a different socket (or none) than the one scanned. */
public class SocketReplacedException extends Exception {
    private static final long serialVersionUID = 1L;

    public SocketReplacedException(int targetFd, long expectedInode, long actualInode) {
        super("fd " + targetFd + " no longer holds socket inode " + expectedInode
                + (actualInode < 0 ? " (it was closed)" : " (it now holds inode " + actualInode + ")"));
    }
}
