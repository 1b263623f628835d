package io.livetune.executor.procfs;

/**
 * A process that exists (pidfd_open finds it) but that /proc, mounted with hidepid=, hides
 * from this executor: not "no such process", and not to be passed over by missing: ignore.
 */
public class HiddenProcessException extends ProcessAccessDeniedException {
    private static final long serialVersionUID = 1L;
    private final String message;

    public HiddenProcessException(int pid, String message) {
        super(pid, "/proc/" + pid);
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
