package io.livetune.executor.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * kernel.yama.ptrace_scope 0 to 3, set for the test and put back: what livetune does as root and
 * as uid 65534 (a child JVM, on a target of its own), through pidfd (pidfd_getfd) and ptrace
 * (PTRACE_SEIZE, process_vm_readv), for socket_option, memory_lock and socket_info. Yama checks
 * all of these alike (PTRACE_MODE_ATTACH): 1 lets through CAP_SYS_PTRACE and a process's own
 * ancestors (livetune never is one), 2 CAP_SYS_PTRACE only, 3 nobody. Results are checked with
 * the target's own getsockopt and /proc/PID/status.
 *
 * <p>Skipped where the kernel has no Yama. 3 cannot be lowered again until reboot: that test runs
 * last, and only where LIVETUNE_THROWAWAY_MACHINE=1 (or -Dlivetune.it.throwaway_machine=true) says
 * the machine is thrown away afterwards (build-aux/vm's guests).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PtraceScopeTest extends LiveProcessTest {
    private static final Path PTRACE_SCOPE = Path.of("/proc/sys/kernel/yama/ptrace_scope");
    /** The same as LIVETUNE_THROWAWAY_MACHINE=1, for harnesses that pass system properties only. */
    private static final String THROWAWAY_PROPERTY = "livetune.it.throwaway_machine";
    private static final int NOBODY = 65534;
    private static final int REQUESTED = 65536;
    private static final int INITIAL = 4096;

    @BeforeEach
    void needsYamaAndRoot() {
        if (!Files.exists(PTRACE_SCOPE)) {
            String reason = PTRACE_SCOPE + " does not exist: this kernel (" + Kernel.sysctl("kernel.osrelease")
                    + ") has no Yama, so there is no ptrace_scope to test (build-aux/vm runs this class in a guest)";
            System.out.println("PtraceScopeTest skipped: " + reason);
            assumeTrue(false, reason);
        }
        assumeTrue(Kernel.isRoot(), "setting kernel.yama.ptrace_scope needs root");
        assumeTrue(!WithoutPidfd.requested(), "runs in the default surefire execution only");
    }

    private static String name() {
        return "ltys" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    /** What livetune answers when Yama refuses a user without CAP_SYS_PTRACE; null when it lets it through. */
    private static String refusalWithoutCapability(int scope, long pid, String name) {
        String target = "permission denied for pid " + pid + " (" + name + "): ";
        switch (scope) {
            case 1:
                return target + "kernel.yama.ptrace_scope is 1, under which a process without CAP_SYS_PTRACE may "
                        + "attach (pidfd_getfd and ptrace alike) only to its own descendants or to a process that "
                        + "named it with prctl(PR_SET_PTRACER); run the task as root (become: true), or set "
                        + "kernel.yama.ptrace_scope to 0";
            case 2:
                return target + "kernel.yama.ptrace_scope is 2, under which only a holder of CAP_SYS_PTRACE may "
                        + "attach to a process (pidfd_getfd and ptrace alike), even one of the same user; run the task "
                        + "as root (become: true)";
            case 3:
                return scope3(pid, name);
            default:
                return null;
        }
    }

    private static String scope3(long pid, String name) {
        return "permission denied for pid " + pid + " (" + name + "): kernel.yama.ptrace_scope is 3, which forbids "
                + "every process, root included, to attach to another (pidfd_getfd and ptrace alike) and cannot be "
                + "lowered until the next boot; set it to 2 or lower in /etc/sysctl.d/ and reboot";
    }

    private static Map<String, Object> raise(long pid, String method) {
        return args("pid", pid, "method", method, "options", Map.of("so_rcvbuf", REQUESTED));
    }

    private static void setScope(int scope) {
        try {
            Files.writeString(PTRACE_SCOPE, Integer.toString(scope));
        } catch (IOException e) {
            throw new AssertionError("cannot set kernel.yama.ptrace_scope to " + scope + ": " + e, e);
        }
        assertEquals(Integer.toString(scope), Kernel.sysctl("kernel.yama.ptrace_scope"), "setup");
    }

    /** Root (CAP_SYS_PTRACE) gets through 0, 1 and 2. */
    @Order(1)
    @ParameterizedTest(name = "kernel.yama.ptrace_scope={0}")
    @ValueSource(ints = {0, 1, 2})
    void rootGetsThrough(int scope) {
        atScope(scope, () -> asRoot(scope));
    }

    /**
     * 65534 on a process of its own gets through 0 only. Four executor runs, each a child JVM
     * started as 65534: more than the usual minute under emulation (build-aux/vm's TCG guest).
     */
    @Order(2)
    @ParameterizedTest(name = "kernel.yama.ptrace_scope={0}")
    @ValueSource(ints = {0, 1, 2})
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aUserOnItsOwnProcessGetsThroughOnlyAt0(int scope) {
        atScope(scope, () -> asUser(scope));
    }

    /** Runs {@code body} with kernel.yama.ptrace_scope at {@code scope}, then puts the old value back. */
    private static void atScope(int scope, Runnable body) {
        String before = Kernel.sysctl("kernel.yama.ptrace_scope");
        assumeTrue(!before.equals("3"), "kernel.yama.ptrace_scope is 3 already and cannot be lowered until reboot");
        try {
            setScope(scope);
            body.run();
        } finally {
            setScope(Integer.parseInt(before));
        }
    }

    private void asRoot(int scope) {
        String name = name();
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 20, INITIAL));
        TargetSocket listener = target.socket("listener");
        for (String method : new String[] {"pidfd", "ptrace"}) {
            target.setOwnOptions(listener, Map.of("so_rcvbuf", INITIAL));
            ExecutorResult changed = Executor.socketOption(raise(target.pid(), method));
            assertFalse(changed.failed(), "scope " + scope + ", root, " + method + changed);
            assertEquals(Kernel.receiveBufferReadBack(REQUESTED), target.ownOption(listener, "so_rcvbuf"),
                    "scope " + scope + ", root, " + method + changed);
        }
        ExecutorResult read = Executor.ansible("socket_info", args("pid", target.pid(), "strict", true));
        assertFalse(read.failed(), "scope " + scope + ", root, socket_info" + read);
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), read.socket(listener).path("options").path("so_rcvbuf")
                .asInt(), read::toString);
        ExecutorResult locked = Executor.ansible("memory_lock", args("pid", target.pid(), "raise_limit", true));
        assertFalse(locked.failed(), "scope " + scope + ", root, memory_lock" + locked);
        assertTrue(ProcMemory.vmLckKb(target.pid()) > 0, "VmLck" + locked);
    }

    private void asUser(int scope) {
        String name = name();
        TargetProcess own = start(target().named(name).asUser(NOBODY).withUnlimitedMemlock()
                .tcpListener("ipv4", 20, INITIAL));
        TargetSocket listener = own.socket("listener");
        ChildExecutor nobody = ChildExecutor.asUser(NOBODY, null);
        String refusal = refusalWithoutCapability(scope, own.pid(), name);
        for (String method : new String[] {"pidfd", "ptrace"}) {
            own.setOwnOptions(listener, Map.of("so_rcvbuf", INITIAL));
            ExecutorResult result = Executor.ansible(nobody, "socket_option", raise(own.pid(), method));
            String context = "scope " + scope + ", uid " + NOBODY + ", " + method + result;
            if (refusal == null) {
                assertFalse(result.failed(), context);
                assertEquals(Kernel.receiveBufferReadBack(REQUESTED), own.ownOption(listener, "so_rcvbuf"), context);
            } else {
                assertTrue(result.failed(), context);
                assertTrue(result.msg().startsWith(refusal), context);
                assertEquals(Kernel.receiveBufferReadBack(INITIAL), own.ownOption(listener, "so_rcvbuf"), context);
            }
        }
        ExecutorResult read = Executor.ansible(nobody, "socket_info", args("pid", own.pid(), "strict", true));
        assertEquals(refusal != null, read.failed(), "scope " + scope + ", uid " + NOBODY + ", socket_info" + read);
        if (refusal != null) {
            assertTrue(read.msg().contains("options not readable: " + refusal), read::toString);
        }
        ExecutorResult locked = Executor.ansible(nobody, "memory_lock", args("pid", own.pid()));
        assertEquals(refusal != null, locked.failed(), "scope " + scope + ", uid " + NOBODY + ", memory_lock" + locked);
        if (refusal != null) {
            assertTrue(locked.msg().startsWith(refusal), locked::toString);
            assertEquals(0, ProcMemory.vmLckKb(own.pid()), "nothing locked" + locked);
        } else {
            assertTrue(ProcMemory.vmLckKb(own.pid()) > 0, "VmLck" + locked);
        }
    }

    /** Last: 3 stays until reboot. Nobody gets through, root included; reading /proc still works. */
    @Order(Integer.MAX_VALUE)
    @Test
    void scope3RefusesEveryoneAndIsLeftSetOnAThrowawayMachine() {
        assumeTrue("1".equals(System.getenv("LIVETUNE_THROWAWAY_MACHINE")) || Boolean.getBoolean(THROWAWAY_PROPERTY),
                "kernel.yama.ptrace_scope=3 cannot be undone until reboot: set LIVETUNE_THROWAWAY_MACHINE=1 (or -D"
                        + THROWAWAY_PROPERTY + "=true) on a machine thrown away afterwards");
        setScope(3);
        String name = name();
        TargetProcess target = start(target().named(name).tcpListener("ipv4", 20, INITIAL));
        TargetSocket listener = target.socket("listener");
        for (String method : new String[] {"pidfd", "ptrace"}) {
            ExecutorResult result = Executor.socketOption(raise(target.pid(), method));
            assertTrue(result.failed(), "scope 3, root, " + method + result);
            assertTrue(result.msg().startsWith(scope3(target.pid(), name)), result::toString);
        }
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(listener, "so_rcvbuf"), "unchanged");

        ExecutorResult listed = Executor.ansible("socket_info", args("pid", target.pid()));
        assertFalse(listed.failed(), "listing reads /proc only (PTRACE_MODE_READ), which Yama leaves alone" + listed);
        assertTrue(listed.socket(listener).path("notes").toString().contains(scope3(target.pid(), name)),
                listed::toString);

        ExecutorResult locked = Executor.ansible("memory_lock", args("pid", target.pid(), "raise_limit", true));
        assertTrue(locked.failed(), locked::toString);
        assertTrue(locked.msg().startsWith(scope3(target.pid(), name)), locked::toString);
        assertEquals(0, ProcMemory.vmLckKb(target.pid()), "nothing locked");
    }
}
