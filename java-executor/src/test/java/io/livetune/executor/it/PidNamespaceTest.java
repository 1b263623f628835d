package io.livetune.executor.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A target in a PID namespace of its own, and a network namespace of its own, as a container's
 * process (unshare --pid --fork --mount-proc, unshare -n): from here livetune selects it by the
 * pid this side sees, by name, by command line and by unit (cgroup), changes a socket option and locks its memory;
 * checked with the target's own getsockopt, ss inside its network namespace and /proc/PID/status.
 * A pidfile it writes holds the pid it sees, which here is another process or none: refused,
 * naming both, nothing changed.
 */
class PidNamespaceTest extends LiveProcessTest {
    private static final int REQUESTED = 65536;
    private static final int INITIAL = 4096;
    /** The pid the target gets inside its namespace: high, so that no process here is likely to have it too. */
    private static final int INNER_PID = 30_001;

    @TempDir
    Path tempDir;

    @BeforeEach
    void needsRoot() {
        assumeTrue(Kernel.isRoot(), "creating PID namespaces needs root");
    }

    private TargetProcess containerised(String name, int innerPid) {
        TargetProcess target = start(target().named(name).inOwnNetworkNamespace().inOwnPidNamespace(innerPid)
                .writingPidfile(tempDir.resolve("target.pid").toString()).tcpListener("ipv4", 20, INITIAL));
        assertNotEquals(target.pid(), target.namespacePid(), "setup: the target has a pid of its own in its namespace");
        return target;
    }

    private static String randomProcessName() {
        return "ltit" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static Map<String, Object> raiseReceiveBuffer(String method, Object... selector) {
        Map<String, Object> task = args(selector);
        task.put("options", Map.of("so_rcvbuf", REQUESTED));
        task.put("method", method);
        return task;
    }

    private static void assertRaised(TargetProcess target, ExecutorResult result) {
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), result::toString);
        TargetSocket listener = target.socket("listener");
        assertEquals(target.pid(), result.socket(listener).path("pid").asLong(), "pids are the ones seen from here"
                + result);
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), target.ownOption(listener, "so_rcvbuf"), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), Ss.tcp(target.pid()).byInode(listener.inode())
                .receiveBuffer(), "ss in the target's network namespace" + result);
    }

    private static void reset(TargetProcess target) {
        target.setOwnOptions(target.socket("listener"), Map.of("so_rcvbuf", INITIAL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void aContainersProcessIsChangedWhenSelectedByPidNameCmdlineOrUnit(String method) throws Exception {
        String name = randomProcessName();
        TargetProcess target = containerised(name, INNER_PID);

        assertRaised(target, Executor.socketOption(raiseReceiveBuffer(method, "pid", target.pid())));
        reset(target);
        assertRaised(target, Executor.socketOption(raiseReceiveBuffer(method, "process", name)));
        reset(target);
        assertRaised(target, Executor.socketOption(raiseReceiveBuffer(method, "cmdline", target.marker())));
        reset(target);
        String unit = "livetune-it-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        try (SystemdUnitCgroup cgroup = SystemdUnitCgroup.create(unit)) {
            cgroup.addProcess(target.pid());
            assertRaised(target, Executor.socketOption(raiseReceiveBuffer(method, "unit", unit)));
        }
    }

    @Test
    void aContainersProcessIsLockedInMemory() {
        TargetProcess target = containerised(randomProcessName(), INNER_PID);
        assertEquals(0, ProcMemory.vmLckKb(target.pid()), "setup: nothing locked");

        ExecutorResult locked = Executor.ansible("memory_lock", args("pid", target.pid(), "raise_limit", true));

        assertFalse(locked.failed(), locked::toString);
        assertTrue(locked.changed(), locked::toString);
        assertTrue(ProcMemory.vmLckKb(target.pid()) > 0, "VmLck in /proc/" + target.pid() + "/status" + locked);
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                "the target still answers, its socket as it was" + locked);
    }

    @Test
    void aPidfileWrittenInsideTheNamespaceIsRefusedNamingTheProcess() throws Exception {
        String name = randomProcessName();
        TargetProcess target = containerised(name, INNER_PID);
        Path pidfile = tempDir.resolve("target.pid");
        assertEquals(Long.toString(target.namespacePid()), Files.readString(pidfile).strip(),
                "setup: the target wrote the pid it sees");

        ExecutorResult result = Executor.socketOption(raiseReceiveBuffer("pidfd", "pidfile", pidfile.toString(),
                "missing", "ignore"));

        assertTrue(result.failed(), "missing: ignore must not pass over a namespace mismatch" + result);
        assertTrue(result.msg().startsWith("pidfile " + pidfile + " holds pid " + INNER_PID + ", which "), result::toString);
        assertTrue(result.msg().contains("pid " + target.pid() + " (" + name + ") has pid " + INNER_PID
                + " in its own PID namespace"), result::toString);
        assertFalse(result.changed(), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                result::toString);
    }

    /** The usual container: the service is its namespace's init and writes 1, the host's init here. */
    @Test
    void aPidfileHoldingOneNeverReachesTheHostsInit() throws Exception {
        TargetProcess target = containerised(randomProcessName(), 1);
        Path pidfile = tempDir.resolve("target.pid");
        assertEquals("1", Files.readString(pidfile).strip(), "setup: the target is its namespace's init");

        ExecutorResult result = Executor.socketOption(raiseReceiveBuffer("pidfd", "pidfile", pidfile.toString()));

        assertTrue(result.failed(), result::toString);
        assertTrue(result.msg().startsWith("pidfile " + pidfile + " holds pid 1, which in livetune's PID namespace is "
                + "pid 1 ("), result::toString);
        assertTrue(result.msg().contains("touches neither"), result::toString);
        assertFalse(result.changed(), result::toString);
        assertTrue(result.sockets().isEmpty(), "no socket of the host's init was even planned" + result);
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                result::toString);
    }
}
