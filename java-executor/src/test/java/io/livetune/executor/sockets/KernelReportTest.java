package io.livetune.executor.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import org.junit.jupiter.api.Test;

/** The kernel's arithmetic, as livetune predicts it; the integration tests check it against real sockets. */
class KernelReportTest {
    private static final KernelFacts FACTS = new KernelFacts(212992, 212992, 4096, () -> 2304, () -> 4608, () -> 4000);

    private static Expected expect(String option, int value, boolean force) {
        return OptionRegistry.get(option).expect(IntNode.valueOf(value), IntNode.valueOf(0), FACTS, force, Protocol.TCP);
    }

    @Test
    void buffersAreDoubled() {
        Expected expected = expect("so_rcvbuf", 65536, false);
        assertEquals(131072, expected.value().asInt());
        assertNull(expected.warning());
    }

    @Test
    void buffersAboveTheSysctlAreClampedWithAWarningNamingIt() {
        Expected expected = expect("so_rcvbuf", 8388608, false);
        assertEquals(2 * 212992, expected.value().asInt());
        assertTrue(expected.warning().contains("net.core.rmem_max"), expected.warning());
        assertTrue(expect("so_sndbuf", 8388608, false).warning().contains("net.core.wmem_max"));
    }

    @Test
    void forcePassesTheSysctl() {
        Expected expected = expect("so_rcvbuf", 8388608, true);
        assertEquals(16777216, expected.value().asInt());
        assertNull(expected.warning());
    }

    @Test
    void tinyBuffersAreRaisedToTheKernelFloor() {
        assertEquals(2304, expect("so_rcvbuf", 1, false).value().asInt());
        assertEquals(4608, expect("so_sndbuf", 1, false).value().asInt());
    }

    @Test
    void backlogIsCappedBySomaxconn() {
        Expected capped = Backlog.INSTANCE.expect(IntNode.valueOf(65535), IntNode.valueOf(20), FACTS, false, Protocol.TCP);
        assertEquals(4096, capped.value().asInt());
        assertTrue(capped.warning().contains("net.core.somaxconn"));
        assertEquals(1024, Backlog.INSTANCE.expect(IntNode.valueOf(1024), IntNode.valueOf(20), FACTS, false,
                Protocol.TCP).value().asInt());
    }

    @Test
    void deferAcceptRoundsUpToTheRetransmissionSchedule() {
        assertEquals(0, expect("tcp_defer_accept", 0, false).value().asInt());
        assertEquals(1, expect("tcp_defer_accept", 1, false).value().asInt());
        assertEquals(3, expect("tcp_defer_accept", 2, false).value().asInt());
        assertEquals(7, expect("tcp_defer_accept", 5, false).value().asInt());
        assertEquals(15, expect("tcp_defer_accept", 10, false).value().asInt());
        assertNull(expect("tcp_defer_accept", 31, false).warning());
    }

    @Test
    void tcpKeepsItsEcnBitsButUdpDoesNot() {
        KernelReport report = KernelReport.TOS_KEEPING_ECN;
        assertEquals(0x10 | 2, report.expect(IntNode.valueOf(0x13), IntNode.valueOf(2), FACTS, false, Protocol.TCP)
                .value().asInt());
        assertEquals(0x13, report.expect(IntNode.valueOf(0x13), IntNode.valueOf(2), FACTS, false, Protocol.UDP)
                .value().asInt());
    }

    @Test
    void timeoutsAreRoundedUpToWholeJiffies() {
        assertEquals(0, expect("so_rcvtimeo", 0, false).value().asInt()); // 0: wait forever
        assertEquals(12, expect("so_rcvtimeo", 10, false).value().asInt()); // 4 ms jiffies: 3 of them
        assertEquals(1500, expect("so_sndtimeo", 1500, false).value().asInt());
    }

    @Test
    void rcvlowatZeroIsStoredAsOne() {
        assertEquals(1, expect("so_rcvlowat", 0, false).value().asInt());
        assertEquals(512, expect("so_rcvlowat", 512, false).value().asInt());
    }
}
