package io.livetune.executor.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InetSocketTableTest {

    @Test
    void parsesAnIpv4ListenerAsSsPrintsIt() {
        Map<Long, InetSocket> table = new HashMap<>();
        InetSocketTable.parse("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000005 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n",
                Protocol.TCP, Family.IPV4, table);
        InetSocket socket = table.get(4242L);
        assertEquals("127.0.0.1:8080", socket.local());
        assertEquals("0.0.0.0:*", socket.remote());
        assertEquals(SocketState.LISTEN, socket.state());
        assertEquals(5, socket.receiveQueue());
    }

    @Test
    void parsesIpv6AddressesWordByWordInHostOrder() {
        Map<Long, InetSocket> table = new HashMap<>();
        InetSocketTable.parse("header\n"
                + "   1: 00000000000000000000000001000000:0050 00000000000000000000000001000000:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n",
                Protocol.TCP, Family.IPV6, table);
        InetSocket socket = table.get(77L);
        assertEquals("[::1]:80", socket.local());
        assertEquals("[::1]:41394", socket.remote());
        assertEquals(SocketState.ESTABLISHED, socket.state());
    }

    @Test
    void anUnconnectedUdpSocketIsUnconnAndCountsAsListening() {
        Map<Long, InetSocket> table = new HashMap<>();
        InetSocketTable.parse("header\n"
                + "  10: 00000000:0202 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2\n",
                Protocol.UDP, Family.IPV4, table);
        assertEquals(SocketState.UNCONN, table.get(99L).state());
        assertEquals(true, table.get(99L).state().isListening());
    }

    @Test
    void socketsNobodyHoldsAreLeftOut() {
        Map<Long, InetSocket> table = new HashMap<>();
        InetSocketTable.parse("header\n"
                + "   0: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00000F8A 00000000     0        0 0 3\n",
                Protocol.TCP, Family.IPV4, table);
        assertEquals(0, table.size());
    }
}
