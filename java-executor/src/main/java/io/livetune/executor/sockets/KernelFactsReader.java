package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.Sysctl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads {@link KernelFacts} for the network namespace a process lives in, once per namespace.
 *
 * <p>/proc/sys/net shows the namespace of the thread that opens the file, so for a process
 * in another namespace a short-lived thread joins it with setns(2) and reads there. Sysctls
 * that are global (not per namespace) are absent there and are read from our own.
 */
public final class KernelFactsReader {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final String RMEM_MAX = "net.core.rmem_max";
    private static final String WMEM_MAX = "net.core.wmem_max";
    private static final String SOMAXCONN = "net.core.somaxconn";

    private final ProcFs proc;
    private final LinuxSyscalls sys;
    private final Map<String, KernelFacts> byNamespace = new HashMap<>();
    private final String ownNamespace;
    private Integer minRcvbuf;
    private Integer minSndbuf;

    public KernelFactsReader(ProcFs proc, LinuxSyscalls sys) throws IOException {
        this.proc = proc;
        this.sys = sys;
        this.ownNamespace = proc.link(ProcFs.selfPid(), "ns/net");
    }

    /** The namespace id of a process ("net:[4026531840]"). */
    public String namespaceOf(int pid) throws IOException {
        String ns = proc.link(pid, "ns/net");
        if (ns == null) {
            throw new io.livetune.executor.procfs.ProcessGoneException(pid);
        }
        return ns;
    }

    public KernelFacts forProcess(int pid) throws IOException {
        String namespace = namespaceOf(pid);
        KernelFacts facts = byNamespace.get(namespace);
        if (facts == null) {
            Map<String, Long> inside = namespace.equals(ownNamespace) ? readSysctls() : readSysctlsInside(pid);
            Map<String, Long> own = readSysctls();
            facts = new KernelFacts(
                    inside.getOrDefault(RMEM_MAX, own.get(RMEM_MAX)),
                    inside.getOrDefault(WMEM_MAX, own.get(WMEM_MAX)),
                    inside.getOrDefault(SOMAXCONN, own.get(SOMAXCONN)),
                    this::minRcvbuf, this::minSndbuf);
            byNamespace.put(namespace, facts);
        }
        return facts;
    }

    private static Map<String, Long> readSysctls() {
        Map<String, Long> values = new HashMap<>();
        for (String name : new String[] {RMEM_MAX, WMEM_MAX, SOMAXCONN}) {
            try {
                String value = Sysctl.read(name);
                if (value != null) { // a global sysctl is not shown inside other namespaces
                    values.put(name, Long.parseLong(value));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return values;
    }

    private Map<String, Long> readSysctlsInside(int pid) throws IOException {
        AtomicReference<Map<String, Long>> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        String nsPath = proc.pidDir(pid).resolve("ns/net").toString();
        // A thread of its own, because setns changes the namespace of the calling thread only.
        Thread reader = new Thread(() -> {
            int fd = -1;
            try {
                fd = sys.openReadOnly(nsPath);
                sys.setns(fd, CLONE_NEWNET);
                result.set(readSysctls());
            } catch (ErrnoException | RuntimeException e) {
                failure.set(e);
            } finally {
                if (fd >= 0) {
                    sys.close(fd);
                }
            }
        }, "livetune-netns-sysctl");
        reader.start();
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading sysctls of process " + pid);
        }
        if (failure.get() != null) {
            // Cannot enter the namespace (no CAP_SYS_ADMIN): our own sysctls are the best guess.
            return readSysctls();
        }
        return result.get();
    }

    private synchronized int minRcvbuf() {
        if (minRcvbuf == null) {
            minRcvbuf = probeFloor(OptionRegistry.SO_RCVBUF);
        }
        return minRcvbuf;
    }

    private synchronized int minSndbuf() {
        if (minSndbuf == null) {
            minSndbuf = probeFloor(OptionRegistry.SO_SNDBUF);
        }
        return minSndbuf;
    }

    /**
     * The kernel raises tiny buffers to SOCK_MIN_RCVBUF/SNDBUF, which depend on
     * sizeof(struct sk_buff) of the running kernel: ask it, by setting 0 on a scratch socket.
     */
    private int probeFloor(int optname) {
        int fd = -1;
        try {
            fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
            sys.setsockopt(fd, OptionRegistry.SOL_SOCKET, optname, ValueType.INT.encode(
                    com.fasterxml.jackson.databind.node.IntNode.valueOf(0)));
            return ValueType.INT.decode(sys.getsockopt(fd, OptionRegistry.SOL_SOCKET, optname, 4)).asInt();
        } catch (ErrnoException e) {
            return 0;
        } finally {
            if (fd >= 0) {
                sys.close(fd);
            }
        }
    }
}
