package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessGoneException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs work inside the network namespace of a process. /proc/sys/net and new sockets belong
 * to the namespace of the calling thread, and setns(2) changes only that thread's, so the
 * work runs on a short-lived thread of its own that joins the namespace and then ends.
 */
public final class NetworkNamespaces {
    private static final int CLONE_NEWNET = 0x40000000;

    private final LinuxSyscalls sys;
    private final ProcFs proc;
    private final String own;

    public NetworkNamespaces(LinuxSyscalls sys, ProcFs proc) throws IOException {
        this.sys = sys;
        this.proc = proc;
        this.own = proc.link(ProcFs.selfPid(), "ns/net");
    }

    /** The namespace id of a process ("net:[4026531840]"). */
    public String of(int pid) throws IOException {
        String namespace = proc.link(pid, "ns/net");
        if (namespace == null) {
            throw new ProcessGoneException(pid);
        }
        return namespace;
    }

    public boolean isOurs(String namespace) {
        return namespace.equals(own);
    }

    /**
     * The result of {@code work} run in the namespace of {@code pid}; {@code fallback} when we
     * cannot enter it (no CAP_SYS_ADMIN, the process exited).
     */
    public <T> T inNamespaceOf(int pid, Supplier<T> work, T fallback) {
        AtomicReference<T> result = new AtomicReference<>(fallback);
        String nsPath = proc.pidDir(pid).resolve("ns/net").toString();
        Thread worker = new Thread(() -> {
            int fd = -1;
            try {
                fd = sys.openReadOnly(nsPath);
                sys.setns(fd, CLONE_NEWNET);
                result.set(work.get());
            } catch (ErrnoException | RuntimeException e) {
                // Cannot enter, or the work failed there: the caller's fallback stands.
            } finally {
                if (fd >= 0) {
                    sys.close(fd);
                }
            }
        }, "livetune-netns-" + pid);
        worker.start();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return result.get();
    }
}
