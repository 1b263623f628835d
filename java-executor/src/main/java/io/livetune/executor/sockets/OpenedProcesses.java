package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** The {@link OpenedProcess}es of one task (a pidfd each, or a ptrace route), opened once each and all closed at the end. */
public final class OpenedProcesses implements AutoCloseable {
    private final LinuxSyscalls sys;
    private final ProcFs proc;
    private final Map<Integer, OpenedProcess> open = new HashMap<>();
    private final AccessMethod method;
    private final AccessMethod.RemoteSockets remote;

    /** Targets reached through pidfds only (read-only listings: no ptrace fallback). */
    public OpenedProcesses(LinuxSyscalls sys, ProcFs proc) {
        this(sys, proc, AccessMethod.PIDFD, (process, sockets, visitor) -> {
            throw new IllegalStateException("no ptrace access configured");
        });
    }

    public OpenedProcesses(LinuxSyscalls sys, ProcFs proc, AccessMethod method, AccessMethod.RemoteSockets remote) {
        this.sys = sys;
        this.proc = proc;
        this.method = method;
        this.remote = remote;
    }

    /**
     * The target for a scanned process.
     *
     * @throws DescriptorAccessDeniedException when the kernel refuses access (the caller explains why)
     */
    public synchronized OpenedProcess get(ProcessInfo process) throws IOException, DescriptorAccessDeniedException {
        OpenedProcess target = open.get(process.pid());
        if (target == null) {
            try {
                target = OpenedProcess.open(sys, proc, process, method, remote);
            } catch (ErrnoException e) {
                throw new DescriptorAccessDeniedException(process, e);
            }
            open.put(process.pid(), target);
        }
        return target;
    }

    /** Whether any target was reached with ptrace. */
    public synchronized boolean anyPtrace() {
        for (OpenedProcess target : open.values()) {
            if (target.usesPtrace()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        for (OpenedProcess target : open.values()) {
            target.close();
        }
        open.clear();
    }
}
