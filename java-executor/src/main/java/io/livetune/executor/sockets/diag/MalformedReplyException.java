package io.livetune.executor.sockets.diag;

/** The kernel's sock_diag reply did not parse: the caller falls back to /proc. */
public final class MalformedReplyException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedReplyException(String message) {
        super("sock_diag reply: " + message);
    }
}
