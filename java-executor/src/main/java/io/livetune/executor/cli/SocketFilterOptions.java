package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

/**
 * The ss-style socket filters that the human commands share (a picocli mixin), turned into
 * the modules' selector arguments, with --method: every command that reaches sockets takes it.
 */
final class SocketFilterOptions {
    @Option(names = "--method", paramLabel = "auto|pidfd|ptrace",
            description = "How to reach the sockets: pidfd (Linux 5.6+, never stops a process), ptrace (stops one "
                    + "thread at a time, for older kernels), auto (pidfd where the kernel has it; the default).")
    String method;
    @Option(names = "-t", description = "TCP sockets only.")
    boolean tcp;
    @Option(names = "-u", description = "UDP sockets only.")
    boolean udp;
    @Option(names = "-4", description = "IPv4 sockets only.")
    boolean ipv4;
    @Option(names = "-6", description = "IPv6 sockets only.")
    boolean ipv6;
    @Option(names = {"-l", "--listening"}, description = "Listening sockets only (TCP listeners, unconnected UDP).")
    boolean listening;
    @Option(names = "--port", paramLabel = "PORT", description = "Local port.")
    Integer port;

    /** Adds protocol, family, state and local_port to a module's arguments; -t -u together means both. */
    void applyTo(ObjectNode args) {
        if (method != null) {
            args.put("method", method); // checked by the module's schema, which names the choices
        }
        if (tcp != udp) {
            args.put("protocol", tcp ? "tcp" : "udp");
        }
        if (ipv4 != ipv6) {
            args.put("family", ipv4 ? "ipv4" : "ipv6");
        }
        if (listening) {
            args.put("state", "listen");
        }
        if (port != null) {
            args.put("local_port", port);
        }
    }
}
