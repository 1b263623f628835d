package io.livetune.executor.sockets.diag;

import static io.livetune.executor.nativeio.LinuxIn.IPPROTO_TCP;
import static io.livetune.executor.nativeio.LinuxIn.IPPROTO_UDP;
import static io.livetune.executor.nativeio.SysSocket.AF_INET;
import static io.livetune.executor.nativeio.SysSocket.AF_NETLINK;
import static io.livetune.executor.nativeio.SysSocket.SOCK_CLOEXEC;
import static io.livetune.executor.nativeio.SysSocket.SOCK_RAW;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel's socket diagnostics for TCP and UDP (NETLINK_SOCK_DIAG, what ss reads): every
 * socket of a network namespace with its state, queues, inode, buffers, tcp_info,
 * congestion control, TOS / traffic class and mark, in one bulk read per family and
 * protocol, where /proc/net and getsockopt would take a line or a call per value.
 *
 * <p>The namespace is the one the netlink socket was opened in ({@link #open}), whichever
 * thread reads it later.
 */
public final class InetDiag {
    private static final int NETLINK_SOCK_DIAG = 4;
    /** tcp_info, congestion control: TCP only (tcp_diag); buffers, TOS, traffic class: both. */
    private static final int TCP_EXTENSIONS = bit(InetDiagMessage.INET_DIAG_INFO) | bit(InetDiagMessage.INET_DIAG_CONG)
            | common();
    private static final int UDP_EXTENSIONS = common();
    private static final AtomicInteger SEQ = new AtomicInteger();

    private InetDiag() {
    }

    /** A NETLINK_SOCK_DIAG socket in the calling thread's network namespace. */
    public static int open(LinuxSyscalls sys) throws ErrnoException {
        return sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    }

    /**
     * The sockets of {@code family} (AF_INET, AF_INET6) and {@code protocol} (IPPROTO_TCP,
     * IPPROTO_UDP) in the namespace of {@code fd} that a descriptor holds (inode not 0),
     * in the kernel's order.
     *
     * @param wanted the inodes to keep, or null for all: the others are not parsed
     * @param values whether to ask for the extensions that carry option values and tcp_info
     *               (a third of the reply's bytes when not needed)
     * @throws ErrnoException          the kernel refused (no tcp_diag/udp_diag module: ENOENT)
     * @throws MalformedReplyException a reply that does not parse
     */
    public static List<InetDiagMessage> dump(LinuxSyscalls sys, int fd, int family, int protocol, Set<Long> wanted,
            boolean values) throws ErrnoException, MalformedReplyException {
        return dump(sys, fd, family, protocol, InetDiagRequest.ALL_STATES, wanted, values);
    }

    /**
     * As {@link #dump(LinuxSyscalls, int, int, int, Set, boolean)}, of the sockets in
     * {@code states} only (a bit per state number, 1 << TCP_LISTEN for listeners): on a server
     * of tens of thousands of connections, a task about its listener then costs the kernel
     * nothing for them.
     */
    public static List<InetDiagMessage> dump(LinuxSyscalls sys, int fd, int family, int protocol, int states,
            Set<Long> wanted, boolean values) throws ErrnoException, MalformedReplyException {
        int seq = SEQ.incrementAndGet();
        int extensions = !values ? 0 : protocol == IPPROTO_TCP ? TCP_EXTENSIONS : UDP_EXTENSIONS;
        byte[] request = InetDiagRequest.dump(family, protocol, extensions, states, seq);
        Collector collector = new Collector(family == AF_INET ? 4 : 16, wanted);
        NetlinkDump.run(sys, fd, request, seq, collector);
        if (collector.malformed != null) {
            throw collector.malformed;
        }
        return collector.messages;
    }

    /** Keeps the wanted sockets of a dump (a class, not a lambda: see Main on start-up). */
    private static final class Collector implements NetlinkDump.Handler {
        private final int addressLength;
        private final Set<Long> wanted;
        private final List<InetDiagMessage> messages = new ArrayList<>();
        private MalformedReplyException malformed;

        Collector(int addressLength, Set<Long> wanted) {
            this.addressLength = addressLength;
            this.wanted = wanted;
        }

        @Override
        public void message(int type, ByteBuffer message, int payload, int length) {
            if (malformed != null || type != InetDiagRequest.SOCK_DIAG_BY_FAMILY) {
                return;
            }
            if (length >= InetDiagMessage.LENGTH) {
                long inode = InetDiagMessage.inodeOf(message, payload);
                if (inode == 0 || (wanted != null && !wanted.contains(inode))) {
                    return;
                }
            }
            try {
                messages.add(InetDiagMessage.parse(message, payload, length, addressLength));
            } catch (MalformedReplyException e) {
                malformed = e;
            }
        }
    }

    private static int common() {
        return bit(InetDiagMessage.INET_DIAG_SKMEMINFO) | bit(InetDiagMessage.INET_DIAG_TOS)
                | bit(InetDiagMessage.INET_DIAG_TCLASS);
    }

    /** idiag_ext asks for attribute n with bit n - 1. */
    private static int bit(int attribute) {
        return 1 << (attribute - 1);
    }
}
