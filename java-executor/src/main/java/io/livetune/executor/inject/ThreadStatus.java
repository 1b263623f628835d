package io.livetune.executor.inject;

import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcStatus;
import java.io.IOException;

/**
 * What /proc/PID/task/TID/status says about a thread before livetune touches it: whether it
 * is already traced (and by whom), stopped, a zombie, or under seccomp.
 */
final class ThreadStatus {
    final char state;
    final int tracerPid;
    /** 0 none, 1 strict, 2 filter. */
    final int seccomp;

    private ThreadStatus(char state, int tracerPid, int seccomp) {
        this.state = state;
        this.tracerPid = tracerPid;
        this.seccomp = seccomp;
    }

    static ThreadStatus read(ProcFs proc, int pid, int tid) throws IOException {
        return of(ProcStatus.ofThread(proc, pid, tid));
    }

    static ThreadStatus parse(String status) {
        return of(ProcStatus.parse(status));
    }

    private static ThreadStatus of(ProcStatus status) {
        String state = status.field("State");
        return new ThreadStatus(state.isEmpty() ? '?' : state.charAt(0), (int) status.number("TracerPid", 0),
                (int) status.number("Seccomp", 0));
    }

    boolean zombie() {
        return state == 'Z' || state == 'X';
    }

    /** 'T' (stopped by a signal); 't' (tracing stop) means someone traces it, seen in tracerPid. */
    boolean stopped() {
        return state == 'T';
    }
}
