package io.livetune.executor.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.UUID;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernel refuses to let livetune attach (PTRACE_MODE_ATTACH) while /proc still shows the
 * target ({@link WithoutPtraceRights}): every module and method must say "permission denied"
 * with the advice of procfs.PtraceAccess, for the process by pid and name, and change nothing;
 * never a bare errno, nor "no system-call instruction" (process_vm_readv is refused first).
 * Yama's own refusals are {@link PtraceScopeTest}'s; this one runs on any kernel.
 */
class AttachRefusedTest extends LiveProcessTest {
    private static final int INITIAL = 4096;

    @BeforeEach
    void needsRestrictableThreads() {
        assumeTrue(WithoutPtraceRights.supported(), "needs root on x86_64 or aarch64, in-process executor runs");
    }

    private static void assertAdvice(TargetProcess target, String name, ExecutorResult result) {
        assertTrue(result.failed(), result::toString);
        // The executor's process (not its restricted thread) holds CAP_SYS_PTRACE, so the advice may
        // blame a security module; what matters here is that it is the advice, naming the process.
        assertTrue(result.msg().contains("permission denied") && result.msg().contains("pid " + target.pid() + " ("
                + name + ")"), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                "unchanged" + result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void socketOptionSaysPermissionDenied(String method) {
        String name = "ltar" + UUID.randomUUID().toString().substring(0, 8);
        TargetProcess target = start(target().named(name).withoutPtraceCapability().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = WithoutPtraceRights.call(() -> Executor.socketOption(args("pid", target.pid(),
                "method", method, "options", Map.of("so_rcvbuf", 65536))));
        assertAdvice(target, name, result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void socketInfoStrictSaysPermissionDenied(String method) {
        String name = "ltar" + UUID.randomUUID().toString().substring(0, 8);
        TargetProcess target = start(target().named(name).withoutPtraceCapability().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = WithoutPtraceRights.call(() -> Executor.ansible("socket_info", args("pid",
                target.pid(), "method", method, "strict", true)));
        assertAdvice(target, name, result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lock"})
    void memoryLockSaysPermissionDenied(String ignored) {
        String name = "ltar" + UUID.randomUUID().toString().substring(0, 8);
        TargetProcess target = start(target().named(name).withoutPtraceCapability().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = WithoutPtraceRights.call(() -> Executor.ansible("memory_lock", args("pid",
                target.pid(), "raise_limit", true)));
        assertAdvice(target, name, result);
        assertEquals(0, ProcMemory.vmLckKb(target.pid()), "nothing locked" + result);
    }
}
