package io.livetune.executor.inject;

import io.livetune.executor.procfs.ProcFs;
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
        return parse(proc.read(pid, "task/" + tid + "/status"));
    }

    static ThreadStatus parse(String status) {
        char state = '?';
        int tracer = 0;
        int seccomp = 0;
        for (String line : status.split("\n")) {
            if (line.startsWith("State:")) {
                state = line.substring(6).trim().charAt(0);
            } else if (line.startsWith("TracerPid:")) {
                tracer = Integer.parseInt(line.substring(10).trim());
            } else if (line.startsWith("Seccomp:")) {
                seccomp = Integer.parseInt(line.substring(8).trim());
            }
        }
        return new ThreadStatus(state, tracer, seccomp);
    }

    boolean zombie() {
        return state == 'Z' || state == 'X';
    }

    /** 'T' (stopped by a signal); 't' (tracing stop) means someone traces it, seen in tracerPid. */
    boolean stopped() {
        return state == 'T';
    }
}
