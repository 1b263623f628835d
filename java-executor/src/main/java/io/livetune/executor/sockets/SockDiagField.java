package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.livetune.executor.sockets.diag.InetDiagMessage;

/**
 * The option values that the kernel's socket diagnostics carry, each the very field that
 * getsockopt reports (net/core/sock.c, net/ipv4/ip_sockglue.c, net/ipv6/ipv6_sockglue.c,
 * net/ipv4/tcp.c against net/ipv4/inet_diag.c and net/core/sock_diag.c), as the JSON node
 * its {@link ValueType} decodes. Which option is which is said in {@link OptionRegistry}.
 */
enum SockDiagField {
    /** SK_MEMINFO_RCVBUF = sk_rcvbuf = SO_RCVBUF. */
    RECEIVE_BUFFER {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.receiveBuffer() < 0 ? null : IntNode.valueOf(message.receiveBuffer());
        }
    },
    /** SK_MEMINFO_SNDBUF = sk_sndbuf = SO_SNDBUF. */
    SEND_BUFFER {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.sendBuffer() < 0 ? null : IntNode.valueOf(message.sendBuffer());
        }
    },
    /** INET_DIAG_MARK = sk_mark = SO_MARK (u32); absent without CAP_NET_ADMIN. */
    MARK {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.mark() == null ? null : LongNode.valueOf(message.mark());
        }
    },
    /** INET_DIAG_TOS = inet->tos = IP_TOS, on IPv4 and IPv6 sockets alike. */
    TOS {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.tos() == null ? null : IntNode.valueOf(message.tos());
        }
    },
    /** INET_DIAG_TCLASS = np->tclass = IPV6_TCLASS. */
    TRAFFIC_CLASS {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.trafficClass() == null ? null : IntNode.valueOf(message.trafficClass());
        }
    },
    /** INET_DIAG_CONG = icsk_ca_ops->name = TCP_CONGESTION. */
    CONGESTION {
        @Override
        JsonNode of(InetDiagMessage message) {
            return message.congestion() == null ? null : TextNode.valueOf(message.congestion());
        }
    };

    /** The value in this reply, or null when it does not carry it (then getsockopt reads it). */
    abstract JsonNode of(InetDiagMessage message);
}
