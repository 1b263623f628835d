package io.livetune.executor.sockets;

/**
 * Test seam: the moments of a socket visit at which a busy target may close or replace a
 * descriptor. Tests install a listener that makes their target do exactly that at exactly
 * that moment, so that every path of {@link OpenedProcess#visit} is covered on every run,
 * not by chance. Nothing installs one in the product: then each call is one volatile read.
 */
public final class VisitMoments {
    /** Where in the visit of one socket. */
    public enum Moment {
        /** The socket was scanned; livetune has not reached it yet in this pass. */
        BEFORE_OPEN,
        /** livetune holds the socket (its inode checked) and is about to read or change it. */
        AFTER_OPEN
    }

    /** Called on the thread doing the visit; under ptrace, while one target thread is stopped. */
    @FunctionalInterface
    public interface Listener {
        void at(Moment moment, int pid, int fd);
    }

    private static volatile Listener listener;

    private VisitMoments() {
    }

    /** Installs {@code newListener} (null removes it). */
    public static void install(Listener newListener) {
        listener = newListener;
    }

    public static void reach(Moment moment, int pid, int fd) {
        Listener current = listener;
        if (current != null) {
            current.at(moment, pid, fd);
        }
    }
}
