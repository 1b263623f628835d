package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.List;

/**
 * How livetune reaches a target's sockets: a duplicate through pidfd_getfd (Linux 5.6+, the
 * target never stops), or the calls run inside the target with ptrace (older kernels; one
 * thread stops for an instant at a time). AUTO takes the first where the kernel has it.
 */
public enum AccessMethod {
    AUTO, PIDFD, PTRACE;

    /** The {@code method} argument of a socket module (validated by the schema); auto when absent. */
    public static AccessMethod of(com.fasterxml.jackson.databind.JsonNode args) {
        return valueOf(args.path("method").asText("auto").toUpperCase(java.util.Locale.ROOT));
    }

    /** Made once: an inventory labels every one of tens of thousands of sockets. */
    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** As results and the CLI write it: "pidfd". */
    public String label() {
        return label;
    }

    /** Visits sockets of a target by running calls inside it (supplied by the inject layer). */
    @FunctionalInterface
    public interface RemoteSockets {
        /** The same contract as {@link OpenedProcess#visit}. */
        void visit(ProcessInfo process, List<ScannedSocket> sockets, SocketVisitor visitor)
                throws ErrnoException, IOException;
    }
}
