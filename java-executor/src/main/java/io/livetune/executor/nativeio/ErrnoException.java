package io.livetune.executor.nativeio;

/** A system call failed: names the call, the errno and the kernel's own text for it. */
public class ErrnoException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno, String strerror) {
        super(call + ": " + strerror + " (" + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    public boolean is(int expected) {
        return errno == expected;
    }
}
