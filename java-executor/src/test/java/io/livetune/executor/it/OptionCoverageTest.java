package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Each named option of the registry, set on the kind of socket that takes it: the target's
 * own getsockopt shows the value the kernel keeps, the executor's 'after' says the same, and
 * the same task run again is unchanged (compared in the kernel's terms, even where it rounds).
 */
@Tag(Executor.EVERY_METHOD)
class OptionCoverageTest extends LiveProcessTest {

    /** Which socket of which target the option is set on. */
    enum On {
        IPV4_LISTENER, IPV6_LISTENER, IPV4_CONNECTION, IPV6_CONNECTION, IPV4_UDP;

        TargetSpec spec() {
            switch (this) {
                case IPV4_LISTENER: return target().tcpListener("ipv4", 20, 4096);
                case IPV6_LISTENER: return target().tcpListener("ipv6", 20, 4096);
                case IPV4_CONNECTION: return target().tcpPair("ipv4");
                case IPV6_CONNECTION: return target().tcpPair("ipv6");
                default: return target().udp("ipv4", 4096);
            }
        }

        String role() {
            switch (this) {
                case IPV4_LISTENER: case IPV6_LISTENER: return "listener";
                case IPV4_CONNECTION: case IPV6_CONNECTION: return "client";
                default: return "udp";
            }
        }
    }

    /** expected == null: the kernel rounds; the target must then agree with the executor's 'after'. */
    static Stream<Arguments> options() {
        return Stream.of(
                arguments("so_sndbuf", On.IPV4_LISTENER, 65536, Kernel.sendBufferReadBack(65536), false),
                arguments("so_priority", On.IPV4_CONNECTION, 5, 5, false),
                arguments("so_mark", On.IPV4_UDP, 42, 42, true),
                arguments("so_rcvlowat", On.IPV4_CONNECTION, 100, 100, false),
                arguments("so_busy_poll", On.IPV4_UDP, 50, 50, true),
                arguments("tcp_notsent_lowat", On.IPV4_CONNECTION, 16384, 16384, false),
                arguments("tcp_maxseg", On.IPV4_LISTENER, 1200, 1200, false),
                arguments("tcp_window_clamp", On.IPV4_CONNECTION, 32768, 32768, false),
                arguments("tcp_defer_accept", On.IPV4_LISTENER, 5, null, false),
                arguments("tcp_thin_linear_timeouts", On.IPV4_CONNECTION, true, 1, false),
                arguments("ip_ttl", On.IPV4_CONNECTION, 33, 33, false),
                arguments("ip_tos", On.IPV4_UDP, 0x20, 0x20, false),
                arguments("ipv6_tclass", On.IPV6_CONNECTION, 0x20, 0x20, false),
                arguments("ipv6_unicast_hops", On.IPV6_LISTENER, 33, 33, false));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("options")
    void optionIsSetAsTheKernelKeepsItAndThenUnchanged(String option, On on, Object value, Integer expected,
                                                      boolean needsRoot) {
        assumeTrue(!needsRoot || Kernel.isRoot(), option + " needs CAP_NET_ADMIN");
        TargetProcess target = start(on.spec());
        TargetSocket socket = target.socket(on.role());
        int before = target.ownOption(socket, option);
        Map<String, Object> task = args("pid", target.pid(), "fd", socket.fd(), "options", Map.of(option, value));

        ExecutorResult first = Executor.socketOption(task);
        assertFalse(first.failed(), first::toString);
        assertTrue(first.changed(), first::toString);
        int now = target.ownOption(socket, option);
        assertNotEquals(before, now, option + " did not change in the target" + first);
        if (expected != null) {
            assertEquals(expected.intValue(), now, option + " as the target's own getsockopt reports it" + first);
        }
        JsonNode after = first.socket(socket).path("after").path(option);
        assertEquals(now, after.isBoolean() ? (after.asBoolean() ? 1 : 0) : after.asInt(),
                "the executor's 'after' is what the kernel reports" + first);

        ExecutorResult second = Executor.socketOption(task);
        assertFalse(second.failed(), second::toString);
        assertFalse(second.changed(), "the same task again must be unchanged" + second);
    }

    @Test
    void valuesAlreadyInForceAreNotSetAgain() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        JsonNode before = target.ownOptions(client.fd());
        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "fd", client.fd(), "_diff", true,
                "options", Map.of("so_keepalive", false, "tcp_nodelay", false,
                        "tcp_keepidle", before.get("tcp_keepidle").asInt())));
        assertFalse(run.failed(), run::toString);
        assertFalse(run.changed(), "nothing differs, so nothing is set" + run);
        assertFalse(run.socket(client).path("changed").asBoolean(), run::toString);
        assertTrue(run.diff().isEmpty(), run::toString);
        assertEquals(before, target.ownOptions(client.fd()));
    }

    @Test
    void anUnavailableCongestionControlFailsNamingTheOptionAndChangesNothing() {
        TargetProcess target = start(target().tcpPair("ipv4"));
        TargetSocket client = target.socket("client");
        JsonNode before = target.ownOptions(client.fd());
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("tcp_nodelay", true); // valid, and first: it must not be applied either
        options.put("tcp_congestion", "no_such_cc");
        ExecutorResult run = Executor.socketOption(args("pid", target.pid(), "fd", client.fd(), "options", options));
        assertTrue(run.failed(), run::toString);
        assertFalse(run.changed(), run::toString);
        assertTrue(run.msg().contains("tcp_congestion"), "msg names the option" + run);
        assertEquals(before, target.ownOptions(client.fd()), "nothing changed" + run);
    }
}
