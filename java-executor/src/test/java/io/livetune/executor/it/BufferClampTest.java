package io.livetune.executor.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Buffer sizes above net.core.rmem_max / wmem_max: clamped with a warning, or forced. */
@Tag(Executor.EVERY_METHOD)
class BufferClampTest extends LiveProcessTest {

    /** Twice the sysctl maximum, so the request is certainly clamped (and 2 * it still fits an int). */
    private static int aboveMaximum(int sysctlMaximum) {
        assumeTrue(sysctlMaximum <= 256 * 1024 * 1024, "the sysctl maximum is too large to exceed: " + sysctlMaximum);
        return 2 * sysctlMaximum;
    }

    @Test
    void receiveBufferAboveRmemMaxIsClampedWithAWarningNamingTheSysctlThenUnchanged() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        int requested = aboveMaximum(Kernel.rmemMax());
        Map<String, Object> task = args("pid", target.pid(), "options", Map.of("so_rcvbuf", requested));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertTrue(first.warnings().stream().anyMatch(w -> w.contains("net.core.rmem_max")),
                "a warning naming net.core.rmem_max" + first);
        int clamped = 2 * Kernel.rmemMax();
        assertEquals(clamped, target.ownOption(listener, "so_rcvbuf"), first::toString);
        assertEquals(clamped, first.socket(listener).path("after").path("so_rcvbuf").asInt(), first::toString);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "a clamped value must not be re-applied every run" + second);
    }

    @Test
    void sendBufferAboveWmemMaxIsClampedWithAWarningNamingTheSysctl() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        int requested = aboveMaximum(Kernel.wmemMax());
        Map<String, Object> task = args("pid", target.pid(), "options", Map.of("so_sndbuf", requested));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.warnings().stream().anyMatch(w -> w.contains("net.core.wmem_max")),
                "a warning naming net.core.wmem_max" + first);
        assertEquals(2 * Kernel.wmemMax(), target.ownOption(listener, "so_sndbuf"), first::toString);
        assertFalse(Executor.socketOption(task).changed(), "second run");
    }

    @Test
    void forcePassesRmemMaxAsRoot() {
        assumeTrue(Kernel.isRoot(), "SO_RCVBUFFORCE needs CAP_NET_ADMIN");
        TargetProcess target = start(target().udp("ipv4", 4096));
        TargetSocket udp = target.socket("udp");
        int requested = aboveMaximum(Kernel.rmemMax());
        Map<String, Object> task = args("pid", target.pid(), "force", true, "options", Map.of("so_rcvbuf", requested));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        assertEquals(2 * requested, target.ownOption(udp, "so_rcvbuf"), "forced: the kernel keeps 2 * v" + first);
        assertEquals(2L * requested, Ss.udp(target.pid()).byInode(udp.inode()).receiveBuffer(), first::toString);
        assertEquals(2 * requested, first.socket(udp).path("after").path("so_rcvbuf").asInt(), first::toString);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), second::toString);
    }
}
