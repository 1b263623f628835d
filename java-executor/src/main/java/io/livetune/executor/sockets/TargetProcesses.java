package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** The pidfds of one task's target processes, opened once each and all closed at the end. */
public final class TargetProcesses implements AutoCloseable {
    private final LinuxSyscalls sys;
    private final ProcFs proc;
    private final Map<Integer, TargetProcess> open = new HashMap<>();
    private final AccessMethod method;
    private final AccessMethod.RemoteSockets remote;

    /** Targets reached through pidfds only (read-only listings: no ptrace fallback). */
    public TargetProcesses(LinuxSyscalls sys, ProcFs proc) {
        this(sys, proc, AccessMethod.PIDFD, (process, sockets, visitor) -> {
            throw new IllegalStateException("no ptrace access configured");
        });
    }

    public TargetProcesses(LinuxSyscalls sys, ProcFs proc, AccessMethod method, AccessMethod.RemoteSockets remote) {
        this.sys = sys;
        this.proc = proc;
        this.method = method;
        this.remote = remote;
    }

    /**
     * The target for a scanned process.
     *
     * @throws ProcessAccessException when the kernel refuses access (the caller explains why)
     */
    public synchronized TargetProcess get(ProcessInfo process) throws IOException, ProcessAccessException {
        TargetProcess target = open.get(process.pid());
        if (target == null) {
            try {
                target = TargetProcess.open(sys, proc, process, method, remote);
            } catch (ErrnoException e) {
                throw new ProcessAccessException(process, e);
            }
            open.put(process.pid(), target);
        }
        return target;
    }

    /** Whether any target was reached with ptrace. */
    public synchronized boolean anyPtrace() {
        for (TargetProcess target : open.values()) {
            if (target.usesPtrace()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        for (TargetProcess target : open.values()) {
            target.close();
        }
        open.clear();
    }
}
