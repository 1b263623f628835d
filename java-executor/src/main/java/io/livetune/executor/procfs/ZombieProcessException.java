package io.livetune.executor.procfs;

/**
 * A process named explicitly (pid, pidfile) that has exited but is not reaped yet: as good as
 * gone ({@code missing: ignore} accepts it), with a message that says why /proc still shows it.
 */
public class ZombieProcessException extends NoSuchProcessException {
    private static final long serialVersionUID = 1L;
    private final String message;

    public ZombieProcessException(int pid, String source, String message) {
        super(pid, source);
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
