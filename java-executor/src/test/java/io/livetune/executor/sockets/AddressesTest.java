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
}
