package io.livetune.executor.nativeio;

/**
 * What waitpid(2) reported for one thread: the raw status word decoded as the W* macros of
 * {@code <sys/wait.h>} do (the same on x86_64 and aarch64).
 */
public final class WaitStatus {
    private final int tid;
    private final int status;

    public WaitStatus(int tid, int status) {
        this.tid = tid;
        this.status = status;
    }

    public int tid() {
        return tid;
    }

    public int raw() {
        return status;
    }

    public boolean exited() {
        return (status & 0x7f) == 0;
    }

    public int exitCode() {
        return (status >> 8) & 0xff;
    }

    public boolean killed() {
        return ((status & 0x7f) + 1) >> 1 > 0 && !stopped();
    }

    public int termSignal() {
        return status & 0x7f;
    }

    public boolean stopped() {
        return (status & 0xff) == 0x7f;
    }

    /** The signal of a stop (SIGTRAP for ptrace events and single steps). */
    public int stopSignal() {
        return (status >> 8) & 0xff;
    }

    /** The PTRACE_EVENT_* of a stop (0 for a signal-delivery-stop). */
    public int event() {
        return (status >> 16) & 0xff;
    }

    @Override
    public String toString() {
        if (exited()) {
            return "exited with status " + exitCode();
        }
        if (stopped()) {
            return "stopped by signal " + stopSignal() + (event() != 0 ? " (ptrace event " + event() + ")" : "");
        }
        return "killed by signal " + termSignal();
    }
}
