package io.livetune.executor.sockets;

import static io.livetune.executor.nativeio.SysSocket.AF_INET;
import static io.livetune.executor.nativeio.SysSocket.SOCK_DGRAM;

import io.livetune.executor.nativeio.AsmGenericSocket;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.Sysctl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads {@link KernelFacts} for the network namespace a process lives in, once per
 * namespace: its sysctls are read from inside it (see {@link NetworkNamespaces}).
 */
public final class KernelFactsReader {
    private static final String RMEM_MAX = "net.core.rmem_max";
    private static final String WMEM_MAX = "net.core.wmem_max";
    private static final String SOMAXCONN = "net.core.somaxconn";

    private final LinuxSyscalls sys;
    private final NetworkNamespaces namespaces;
    private final Map<String, KernelFacts> byNamespace = new HashMap<>();
    private Integer minRcvbuf;
    private Integer minSndbuf;
    private Integer jiffyMicros;

    public KernelFactsReader(ProcFs proc, LinuxSyscalls sys) throws IOException {
        this.sys = sys;
        this.namespaces = new NetworkNamespaces(sys, proc);
    }

    /** How work enters a process's network namespace. */
    NetworkNamespaces namespaces() {
        return namespaces;
    }

    /** The namespace id of a process ("net:[4026531840]"). */
    public String namespaceOf(int pid) throws IOException {
        return namespaces.of(pid);
    }

    public KernelFacts forProcess(int pid) throws IOException {
        String namespace = namespaceOf(pid);
        KernelFacts facts = byNamespace.get(namespace);
        if (facts == null) {
            Map<String, Long> own = readSysctls();
            if (own.size() < 3) {
                // /proc mounted with subset=pid (systemd's ProcSubset=pid) has no /proc/sys at all
                throw new IOException("cannot read " + RMEM_MAX + ", " + WMEM_MAX + " and " + SOMAXCONN + " from "
                        + "/proc/sys, which livetune needs to know how the kernel treats socket option values: "
                        + "/proc/sys is missing (is /proc mounted with subset=pid?); run livetune where /proc is "
                        + "mounted without subset=pid");
            }
            // Global sysctls are absent inside other namespaces: ours stand in for them.
            Map<String, Long> inside = namespaces.isOurs(namespace) ? own
                    : namespaces.inNamespaceOf(pid, KernelFactsReader::readSysctls, own);
            facts = new KernelFacts(
                    inside.getOrDefault(RMEM_MAX, own.get(RMEM_MAX)),
                    inside.getOrDefault(WMEM_MAX, own.get(WMEM_MAX)),
                    inside.getOrDefault(SOMAXCONN, own.get(SOMAXCONN)),
                    new Probe(AsmGenericSocket.SO_RCVBUF), new Probe(AsmGenericSocket.SO_SNDBUF), new Probe(0));
            byNamespace.put(namespace, facts);
        }
        return facts;
    }

    /** One of the probes below, asked only if a value needs it (no lambdas: see Main). */
    private final class Probe implements java.util.function.IntSupplier {
        private final int optname;

        Probe(int optname) {
            this.optname = optname;
        }

        @Override
        public int getAsInt() {
            if (optname == AsmGenericSocket.SO_RCVBUF) {
                return minRcvbuf();
            }
            return optname == AsmGenericSocket.SO_SNDBUF ? minSndbuf() : jiffyMicros();
        }
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

    private synchronized int minRcvbuf() {
        if (minRcvbuf == null) {
            minRcvbuf = probeFloor(AsmGenericSocket.SO_RCVBUF);
        }
        return minRcvbuf;
    }

    /**
     * A timeout of 1 us is stored as one jiffy and reported back as its length: that is how
     * long a jiffy is on this kernel (CONFIG_HZ is not visible from user space otherwise).
     */
    private synchronized int jiffyMicros() {
        if (jiffyMicros == null) {
            int fd = -1;
            try {
                fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
                byte[] oneMicrosecond = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.nativeOrder())
                        .putLong(0).putLong(1).array();
                sys.setsockopt(fd, AsmGenericSocket.SOL_SOCKET, AsmGenericSocket.SO_RCVTIMEO, oneMicrosecond);
                jiffyMicros = (int) java.nio.ByteBuffer.wrap(
                        sys.getsockopt(fd, AsmGenericSocket.SOL_SOCKET, AsmGenericSocket.SO_RCVTIMEO, 16))
                        .order(java.nio.ByteOrder.nativeOrder()).getLong(8);
            } catch (ErrnoException e) {
                jiffyMicros = 4000; // CONFIG_HZ=250, the most common
            } finally {
                if (fd >= 0) {
                    sys.close(fd);
                }
            }
        }
        return jiffyMicros;
    }

    private synchronized int minSndbuf() {
        if (minSndbuf == null) {
            minSndbuf = probeFloor(AsmGenericSocket.SO_SNDBUF);
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
            sys.setsockopt(fd, AsmGenericSocket.SOL_SOCKET, optname, ValueType.INT.encode(
                    com.fasterxml.jackson.databind.node.IntNode.valueOf(0)));
            return ValueType.INT.decode(sys.getsockopt(fd, AsmGenericSocket.SOL_SOCKET, optname, 4)).asInt();
        } catch (ErrnoException e) {
            return 0;
        } finally {
            if (fd >= 0) {
                sys.close(fd);
            }
        }
    }
}
