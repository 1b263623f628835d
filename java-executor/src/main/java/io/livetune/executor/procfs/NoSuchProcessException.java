package io.livetune.executor.procfs;

/** A process the user named explicitly (pid, pidfile) does not exist. */
public class NoSuchProcessException extends ProcessGoneException {
    private static final long serialVersionUID = 1L;
    private final String source;

    public NoSuchProcessException(int pid, String source) {
        super(pid);
        this.source = source;
    }

    @Override
    public String getMessage() {
        return "no such process: " + pid() + " (from " + source + ")";
    }
}
