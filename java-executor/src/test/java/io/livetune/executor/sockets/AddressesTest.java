package io.livetune.executor.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AddressesTest {

    @Test
    void printsIpv6InItsShortestForm() {
        assertEquals("::1", Addresses.format(Addresses.parseLiteral("0:0:0:0:0:0:0:1")));
        assertEquals("::", Addresses.format(Addresses.parseLiteral("::")));
        assertEquals("2001:db8::1:0:0:1", Addresses.format(Addresses.parseLiteral("2001:db8:0:0:1:0:0:1")));
        assertEquals("fe80::1", Addresses.format(Addresses.parseLiteral("[fe80::1]")));
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.format(Addresses.parseLiteral("2001:db8:0:1:1:1:1:1")));
    }

    @Test
    void neverResolvesNames() {
        assertNull(Addresses.parseLiteral("localhost"));
        assertNull(Addresses.parseLiteral("example.com"));
        assertEquals("127.0.0.1", Addresses.format(Addresses.parseLiteral("127.0.0.1")));
    }

    @Test
    void anIpv6SocketWritesBothEndsInIpv6FormEvenWhenV4Mapped() {
        // InetAddress hands back ::ffff:127.0.0.1 as an Inet4Address; the socket is still IPv6.
        InetSocket mapped = new InetSocket(Protocol.TCP, Family.IPV6, SocketState.LISTEN,
                Addresses.parseLiteral("::ffff:127.0.0.1"), 8080, Addresses.parseLiteral("::"), 0, 0, 0, 1);
        assertEquals("[::ffff:127.0.0.1]:8080", mapped.local());
        assertEquals("[::]:*", mapped.remote());
        InetSocket v4 = new InetSocket(Protocol.TCP, Family.IPV4, SocketState.ESTABLISHED,
                Addresses.parseLiteral("127.0.0.1"), 8080, Addresses.parseLiteral("127.0.0.2"), 4000, 0, 0, 2);
        assertEquals("127.0.0.1:8080", v4.local());
        assertEquals("127.0.0.2:4000", v4.remote());
    }
}
