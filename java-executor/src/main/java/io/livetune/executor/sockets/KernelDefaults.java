package io.livetune.executor.sockets;

import static io.livetune.executor.nativeio.SysSocket.AF_INET6;
import static io.livetune.executor.nativeio.SysSocket.AF_INET;
import static io.livetune.executor.nativeio.SysSocket.SOCK_DGRAM;
import static io.livetune.executor.nativeio.SysSocket.SOCK_STREAM;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a fresh socket of each kind reports in a given network namespace: the kernel's
 * defaults there, so a listing can show only the options someone changed. Learnt by
 * opening a socket in that namespace (from a thread that joins it) and reading it.
 */
public final class KernelDefaults {

    private final LinuxSyscalls sys;
    private final NetworkNamespaces namespaces;
    private final Map<String, Map<String, JsonNode>> cache = new HashMap<>();

    public KernelDefaults(LinuxSyscalls sys, NetworkNamespaces namespaces) {
        this.sys = sys;
        this.namespaces = namespaces;
    }

    /** Option name → default value, for sockets of this kind in {@code namespace}, where {@code pid} lives. */
    public Map<String, JsonNode> of(Protocol protocol, Family family, String namespace, int pid) {
        return cache.computeIfAbsent(namespace + protocol + family, key -> namespaces.isOurs(namespace)
                ? read(protocol, family)
                : namespaces.inNamespaceOf(pid, () -> read(protocol, family), new LinkedHashMap<>()));
    }

    private Map<String, JsonNode> read(Protocol protocol, Family family) {
        Map<String, JsonNode> defaults = new LinkedHashMap<>();
        int domain = family == Family.IPV4 ? AF_INET : AF_INET6;
        int type = protocol == Protocol.TCP ? SOCK_STREAM : SOCK_DGRAM;
        try (DuplicatedSocket socket = DuplicatedSocket.fresh(sys, domain, type)) {
            for (SocketOption option : SocketInspector.optionsFor(protocol, family, true)) {
                try {
                    defaults.put(option.name(), option.read(socket));
                } catch (ErrnoException e) {
                    // Unreadable on a fresh socket: it has no default to compare with.
                }
            }
        } catch (ErrnoException e) {
            // Cannot open such a socket here (IPv6 disabled): no defaults.
        }
        return defaults;
    }
}
