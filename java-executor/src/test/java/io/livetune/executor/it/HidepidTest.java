package io.livetune.executor.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * A target host whose /proc is mounted with hidepid=: the executor runs in a child JVM in a
 * mount namespace of its own where a fresh proc is mounted with those options (the host's /proc
 * is never remounted), as root and as uid 65534. Root still sees and changes every process;
 * 65534 sees only its own, and a process of another user it names or searches for gets a
 * message naming hidepid and what to do, never "no such process". Results are checked with the
 * targets' own getsockopt.
 */
class HidepidTest extends LiveProcessTest {
    private static final int NOBODY = 65534;
    private static final int REQUESTED = 65536;
    private static final int INITIAL = 4096;
    /** Above PID_MAX_LIMIT (4194304): no process can have it, in any namespace. */
    private static final int NO_SUCH_PID = 4_194_305;

    @BeforeEach
    void needsRoot() {
        assumeTrue(Kernel.isRoot(), "mounting proc and switching users needs root");
    }

    private static Map<String, Object> raiseReceiveBuffer(Object... selector) {
        Map<String, Object> task = args(selector);
        task.put("options", Map.of("so_rcvbuf", REQUESTED));
        return task;
    }

    private static String randomProcessName() {
        return "ltit" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static ExecutorResult socketOption(ChildExecutor executor, Map<String, Object> task) {
        return Executor.ansible(executor, "socket_option", task);
    }

    private static void assertUnchanged(TargetProcess target, ExecutorResult result) {
        assertFalse(result.changed(), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(INITIAL), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                "pid " + target.pid() + " must be untouched" + result);
    }

    private static void assertRaised(TargetProcess target, ExecutorResult result) {
        assertFalse(result.failed(), result::toString);
        assertTrue(result.changed(), result::toString);
        assertEquals(Kernel.receiveBufferReadBack(REQUESTED), target.ownOption(target.socket("listener"), "so_rcvbuf"),
                "pid " + target.pid() + " must be changed" + result);
    }

    @Test
    void rootStillSeesAndChangesEveryProcess() {
        String name = randomProcessName();
        TargetProcess byPid = start(target().tcpListener("ipv4", 20, INITIAL));
        TargetProcess byName = start(target().named(name).asUser(NOBODY).tcpListener("ipv4", 20, INITIAL));
        ChildExecutor root = ChildExecutor.withProcMountedWith("hidepid=invisible");

        assertRaised(byPid, socketOption(root, raiseReceiveBuffer("pid", byPid.pid())));
        assertRaised(byName, socketOption(root, raiseReceiveBuffer("process", name)));
    }

    /** subset=pid leaves /proc/sys out, where the kernel's limits on option values are: said, nothing changed. */
    @Test
    void withSubsetPidTheMissingProcSysIsNamed() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = socketOption(ChildExecutor.withProcMountedWith("hidepid=invisible,subset=pid"),
                raiseReceiveBuffer("pid", target.pid()));

        assertTrue(result.failed(), result::toString);
        assertTrue(result.msg().contains("/proc/sys is missing (is /proc mounted with subset=pid?)"), result::toString);
        assertUnchanged(target, result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidepid=invisible", "hidepid=2", "hidepid=noaccess"})
    void anotherUsersProcessNamedByPidIsReportedHiddenNotMissing(String procOptions) {
        TargetProcess rootsOwn = start(target().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = socketOption(ChildExecutor.asUser(NOBODY, procOptions),
                raiseReceiveBuffer("pid", rootsOwn.pid(), "missing", "ignore"));

        assertTrue(result.failed(), "missing: ignore must not pass over a process that exists" + result);
        String shown = procOptions.equals("hidepid=2") ? "hidepid=invisible" : procOptions; // the kernel names it
        assertEquals("pid: " + rootsOwn.pid() + " exists, but /proc is mounted with " + shown + ", which "
                + (shown.equals("hidepid=noaccess") ? "forbids reading" : "hides") + " other users' processes from uid "
                + NOBODY + " (this executor), so livetune cannot see or change it; run the task as root (become: true)",
                result.msg(), result::toString);
        assertUnchanged(rootsOwn, result);
    }

    @Test
    void aPidThatDoesNotExistIsStillNoSuchProcess() {
        ExecutorResult result = socketOption(ChildExecutor.asUser(NOBODY, "hidepid=invisible"),
                raiseReceiveBuffer("pid", NO_SUCH_PID));

        assertTrue(result.failed(), result::toString);
        assertTrue(result.msg().startsWith("no such process: " + NO_SUCH_PID), result::toString);
        assertFalse(result.msg().contains("hidepid"), result::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidepid=invisible", "hidepid=noaccess"})
    void aSearchThatOnlyAnotherUsersProcessMatchesSaysHidepidHidesIt(String procOptions) {
        String name = randomProcessName();
        TargetProcess rootsOwn = start(target().named(name).tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = socketOption(ChildExecutor.asUser(NOBODY, procOptions),
                raiseReceiveBuffer("process", name));

        assertTrue(result.failed(), result::toString);
        assertEquals("no process matched process=" + name + "; /proc is mounted with " + procOptions + ", so uid "
                + NOBODY + " (this executor) sees only its own processes there and another user's may match: run the "
                + "task as root (become: true) (set missing: ignore to accept that)", result.msg(), result::toString);
        assertUnchanged(rootsOwn, result);
    }

    @Test
    void aUnitWhoseProcessesAreHiddenSaysHidepidHidesThem() throws Exception {
        TargetProcess rootsOwn = start(target().tcpListener("ipv4", 20, INITIAL));
        String unit = "livetune-it-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        try (SystemdUnitCgroup cgroup = SystemdUnitCgroup.create(unit)) {
            cgroup.addProcess(rootsOwn.pid());
            ExecutorResult result = socketOption(ChildExecutor.asUser(NOBODY, "hidepid=invisible"),
                    raiseReceiveBuffer("unit", unit));

            assertTrue(result.failed(), result::toString);
            assertTrue(result.msg().startsWith("no process matched unit=" + unit + "; /proc is mounted with "
                    + "hidepid=invisible, so uid " + NOBODY), result::toString);
            assertUnchanged(rootsOwn, result);
        }
    }

    /** Three executor runs, each a child JVM: more than the usual minute under emulation (build-aux/vm). */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aUserStillChangesItsOwnProcessByPidNameAndUnit() throws Exception {
        String name = randomProcessName();
        TargetProcess own = start(target().named(name).asUser(NOBODY).tcpListener("ipv4", 20, INITIAL));
        ChildExecutor nobody = ChildExecutor.asUser(NOBODY, "hidepid=invisible");

        assertRaised(own, socketOption(nobody, raiseReceiveBuffer("process", name)));
        own.setOwnOptions(own.socket("listener"), Map.of("so_rcvbuf", INITIAL));
        assertRaised(own, socketOption(nobody, raiseReceiveBuffer("pid", own.pid())));
        own.setOwnOptions(own.socket("listener"), Map.of("so_rcvbuf", INITIAL));
        String unit = "livetune-it-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        try (SystemdUnitCgroup cgroup = SystemdUnitCgroup.create(unit)) {
            cgroup.addProcess(own.pid());
            assertRaised(own, socketOption(nobody, raiseReceiveBuffer("unit", unit)));
        }
    }

    @Test
    void theMountsGidGroupIsNamedAsAWayOut() {
        TargetProcess rootsOwn = start(target().tcpListener("ipv4", 20, INITIAL));
        ExecutorResult result = socketOption(ChildExecutor.asUser(NOBODY, "hidepid=invisible,gid=4242"),
                raiseReceiveBuffer("pid", rootsOwn.pid()));

        assertTrue(result.failed(), result::toString);
        assertTrue(result.msg().endsWith("run the task as root (become: true) or as a member of group 4242 (the gid= "
                + "option of that mount)"), result::toString);
        assertUnchanged(rootsOwn, result);
    }

    @Test
    void socketInfoFromASearchWarnsThatItsListMayBeIncomplete() {
        String name = randomProcessName();
        TargetProcess own = start(target().named(name).asUser(NOBODY).tcpListener("ipv4", 20, INITIAL));
        ChildExecutor nobody = ChildExecutor.asUser(NOBODY, "hidepid=invisible");

        ExecutorResult searched = Executor.ansible(nobody, "socket_info", args("process", name));
        assertFalse(searched.failed(), searched::toString);
        assertEquals(own.pid(), searched.socket(own.socket("listener")).path("owners").path(0).path("pid").asLong(), searched::toString);
        assertTrue(searched.warnings().contains("/proc is mounted with hidepid=invisible, so uid " + NOBODY
                + " (this executor) sees only its own processes there and another user's may match: run the task as "
                + "root (become: true)"), searched::toString);

        ExecutorResult byPid = Executor.ansible(nobody, "socket_info", args("pid", own.pid()));
        assertFalse(byPid.failed(), byPid::toString);
        assertTrue(byPid.warnings().stream().noneMatch(w -> w.contains("hidepid")), "a pid is not a search" + byPid);
    }
}
