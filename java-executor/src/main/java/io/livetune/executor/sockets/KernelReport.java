package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;

/**
 * How the kernel turns a value that was set into the value getsockopt reports. Most options
 * report exactly what was set; the exceptions are written here, each after the kernel code
 * it mirrors (net/core/sock.c, net/ipv4/tcp.c, net/ipv4/ip_sockglue.c).
 */
@FunctionalInterface
public interface KernelReport {

    Expected expect(JsonNode requested, JsonNode current, KernelFacts facts, boolean force,
            Protocol protocol);

    KernelReport EXACT = (requested, current, facts, force, protocol) -> Expected.exactly(requested);

    /** sock_setsockopt SO_RCVBUF: min(v, rmem_max) (not with FORCE), doubled, at least SOCK_MIN_RCVBUF. */
    KernelReport RECEIVE_BUFFER = (requested, current, facts, force, protocol) ->
            buffer("so_rcvbuf", "net.core.rmem_max", requested.asLong(), facts.rmemMax(), facts.minRcvbuf(), force);

    /** The same for SO_SNDBUF with wmem_max and SOCK_MIN_SNDBUF. */
    KernelReport SEND_BUFFER = (requested, current, facts, force, protocol) ->
            buffer("so_sndbuf", "net.core.wmem_max", requested.asLong(), facts.wmemMax(), facts.minSndbuf(), force);

    /** sk_rcvlowat is never 0: setting 0 stores 1. */
    KernelReport RCVLOWAT = (requested, current, facts, force, protocol) ->
            Expected.exactly(IntNode.valueOf(requested.asInt() == 0 ? 1 : requested.asInt()));

    /** TCP keeps the ECN bits of IP_TOS / IPV6_TCLASS for itself (RFC 3168, 6.1.1); UDP takes them as given. */
    KernelReport TOS_KEEPING_ECN = (requested, current, facts, force, protocol) -> protocol != Protocol.TCP
            ? Expected.exactly(requested)
            : Expected.exactly(IntNode.valueOf((requested.asInt() & ~3) | (current.asInt() & 3)));

    /** tcp_set_window_clamp: at least SOCK_MIN_RCVBUF / 2. */
    KernelReport WINDOW_CLAMP = (requested, current, facts, force, protocol) -> {
        int floor = facts.minRcvbuf() / 2;
        int wanted = requested.asInt();
        return wanted >= floor ? Expected.exactly(requested)
                : Expected.adjusted(IntNode.valueOf(floor), "tcp_window_clamp: " + wanted
                        + " is below the kernel's minimum; it keeps " + floor);
    };

    /**
     * TCP_DEFER_ACCEPT is stored as a number of SYN-ACK retransmissions and reported back as
     * the seconds those take (secs_to_retrans / retrans_to_secs, 1 s initial timeout, 120 s max).
     */
    KernelReport DEFER_ACCEPT = (requested, current, facts, force, protocol) -> {
        int seconds = requested.asInt();
        int reported = DeferAccept.retransToSecs(DeferAccept.secsToRetrans(seconds));
        return reported == seconds ? Expected.exactly(requested)
                : Expected.adjusted(IntNode.valueOf(reported), "tcp_defer_accept: the kernel rounds " + seconds
                        + " s up to " + reported + " s, the end of a SYN-ACK retransmission");
    };

    /**
     * Socket timeouts are kept in jiffies, rounded up (sock_set_timeout), and reported back
     * from them (sock_get_timeout): predict that with the kernel's jiffy length.
     */
    KernelReport TIMEOUT = (requested, current, facts, force, protocol) -> {
        long millis = requested.asLong();
        long jiffy = facts.jiffyMicros();
        long hz = 1_000_000 / jiffy;
        long jiffies = (millis / 1000) * hz + ((millis % 1000) * 1000 + jiffy - 1) / jiffy;
        long reported = (jiffies / hz) * 1000 + ((jiffies % hz) * jiffy) / 1000;
        return Expected.exactly(com.fasterxml.jackson.databind.node.LongNode.valueOf(reported));
    };

    /** A disabled linger keeps its old seconds, which then mean nothing: compare the flag only. */
    KernelReport LINGER = (requested, current, facts, force, protocol) -> {
        boolean enabled = requested.path("enabled").asBoolean();
        int seconds = enabled ? requested.path("seconds").asInt(0) : current.path("seconds").asInt(0);
        return Expected.exactly(ValueType.linger(enabled, seconds));
    };

    private static Expected buffer(String option, String sysctl, long wanted, long max, int floor, boolean force) {
        long kept = force ? Math.min(wanted, Integer.MAX_VALUE / 2) : Math.min(wanted, max);
        long reported = Math.max(2 * kept, floor);
        IntNode value = IntNode.valueOf((int) reported);
        if (!force && wanted > max) {
            return Expected.adjusted(value, option + ": " + wanted + " is above " + sysctl + " (" + max
                    + "); the kernel keeps " + max + " and reports " + reported
                    + ". Raise " + sysctl + " or set force: true (needs CAP_NET_ADMIN)");
        }
        return Expected.exactly(value);
    }

    /** The kernel's own arithmetic for TCP_DEFER_ACCEPT (net/ipv4/tcp.c). */
    final class DeferAccept {
        private static final int TIMEOUT_INIT = 1;
        private static final int RTO_MAX = 120;

        private DeferAccept() {
        }

        static int secsToRetrans(int seconds) {
            int retrans = 0;
            if (seconds > 0) {
                int timeout = TIMEOUT_INIT;
                int period = timeout;
                retrans = 1;
                while (seconds > period && retrans < 255) {
                    retrans++;
                    timeout = Math.min(timeout << 1, RTO_MAX);
                    period += timeout;
                }
            }
            return retrans;
        }

        static int retransToSecs(int retrans) {
            int period = 0;
            if (retrans > 0) {
                int timeout = TIMEOUT_INIT;
                period = timeout;
                while (--retrans > 0) {
                    timeout = Math.min(timeout << 1, RTO_MAX);
                    period += timeout;
                }
            }
            return period;
        }
    }
}
