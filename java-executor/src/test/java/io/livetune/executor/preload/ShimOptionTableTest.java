package io.livetune.executor.preload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.SocketOption;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shim's C table says what the registry says, row for row. */
class ShimOptionTableTest {
    private final String header = ShimOptionTable.header();

    @Test
    void everyRegistryOptionIsOneRowWithItsNumbersTypeSocketsAndRange() {
        assertTrue(header.contains("#define LT_OPTION_COUNT " + OptionRegistry.all().size() + "\n"), header);
        for (SocketOption o : OptionRegistry.all()) {
            String row = header.lines().filter(l -> l.startsWith("    { \"" + o.name() + "\", ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + o.name() + ":\n" + header));
            assertTrue(row.contains(", " + o.level() + ", " + o.optname() + ", LT_" + o.type().name() + ", "), row);
            assertTrue(row.contains(o.listenersOnly() ? ", 1, " : ", 0, "), row);
            long[] range = ShimOptionTable.range(o);
            assertTrue(row.endsWith(", " + range[0] + "LL, " + range[1] + "LL },"), row);
        }
    }

    @Test
    void rangesAreTheSchemasOwn() {
        assertArrayEquals(new long[] {1, 32767}, ShimOptionTable.range(OptionRegistry.get("tcp_keepidle")));
        assertArrayEquals(new long[] {0, 1}, ShimOptionTable.range(OptionRegistry.get("so_keepalive")));
        assertArrayEquals(new long[] {0, 65535}, ShimOptionTable.range(OptionRegistry.get("so_linger")));
        assertArrayEquals(new long[] {1, 15}, ShimOptionTable.range(OptionRegistry.get("tcp_congestion")));
        assertArrayEquals(new long[] {0, 0xffffffffL}, ShimOptionTable.range(OptionRegistry.get("so_mark")));
    }

    @Test
    void socketKindsAreBits() {
        String row = header.lines().filter(l -> l.contains("\"ipv6_tclass\"")).findFirst().orElseThrow();
        assertTrue(row.contains("LT_TCP | LT_UDP, LT_IPV6,"), row);
        row = header.lines().filter(l -> l.contains("\"so_broadcast\"")).findFirst().orElseThrow();
        assertTrue(row.contains("LT_UDP, LT_IPV4 | LT_IPV6,"), row);
    }

    @Test
    void resourcesPerMachine() {
        assertEquals(Optional.of("native/x86_64/liblivetune_preload.so"), PreloadShim.resourceFor("amd64"));
        assertEquals(Optional.of("native/aarch64/liblivetune_preload.so"), PreloadShim.resourceFor("aarch64"));
        assertEquals(Optional.empty(), PreloadShim.resourceFor("s390x"));
    }
}
