package io.livetune.executor.nativeio;

/**
 * What waitpid(2) reported for one thread: the raw status word decoded as the W* macros of
 * {@code <sys/wait.h>} do (the same on x86_64 and aarch64).
 *
 * @param tid the thread waitpid returned
 * @param raw the status word waitpid wrote
 */
public record WaitStatus(int tid, int raw) {
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    public boolean killed() {
        return ((raw & 0x7f) + 1) >> 1 > 0 && !stopped();
    }

    public int termSignal() {
        return raw & 0x7f;
    }

    public boolean stopped() {
        return (raw & 0xff) == 0x7f;
    }

    /** The signal of a stop (SIGTRAP for ptrace events and single steps). */
    public int stopSignal() {
        return (raw >> 8) & 0xff;
    }

    /** The PTRACE_EVENT_* of a stop (0 for a signal-delivery-stop). */
    public int event() {
        return (raw >> 16) & 0xff;
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
