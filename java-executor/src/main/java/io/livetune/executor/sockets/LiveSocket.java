package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;

/**
 * A way to act on one socket of a live process, whichever mechanism reaches it: a duplicate
 * fetched with pidfd_getfd ({@link DuplicatedSocket}), or system calls run inside the
 * target where pidfd_getfd is missing. Settings read and write through this only.
 */
public interface LiveSocket extends AutoCloseable {

    /** getsockopt(2) on the socket; returns the bytes the kernel wrote (at most {@code maxLength}). */
    byte[] getsockopt(int level, int optname, int maxLength) throws ErrnoException;

    /** setsockopt(2) on the socket. */
    void setsockopt(int level, int optname, byte[] value) throws ErrnoException;

    /** listen(2) on the socket; on a listener this only changes the backlog. */
    void listen(int backlog) throws ErrnoException;

    /** How this socket is reached: a duplicate of our own (PIDFD) or calls inside the target (PTRACE). */
    AccessMethod method();

    /** Lets go of the socket (the target keeps it). */
    @Override
    void close();
}
