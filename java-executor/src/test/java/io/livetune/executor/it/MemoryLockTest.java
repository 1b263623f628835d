package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static io.livetune.executor.it.Executor.args;
import static io.livetune.executor.it.Executor.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * livetune.process.memory_lock against real processes blocked where real services block
 * (nanosleep, accept, epoll_wait, futexes, a JVM). Each result is checked with the test's own
 * reading of /proc (VmLck, smaps VmFlags), and each target must still do its work afterwards.
 */
class MemoryLockTest extends LiveProcessTest {
    private final List<InjectionTarget> targets = new ArrayList<>();

    private InjectionTarget track(InjectionTarget target) {
        targets.add(target);
        return target;
    }

    @AfterEach
    void stopTargets() {
        targets.forEach(InjectionTarget::close);
    }

    private static ExecutorResult memoryLock(Map<String, Object> args) {
        return Executor.ansible("memory_lock", args);
    }

    /** Every lockable mapping in scope carries VmFlags lo; VmLck is their total size. */
    private static void assertLocked(long pid, Predicate<ProcMemory.Entry> scope) {
        List<ProcMemory.Entry> inScope = ProcMemory.smaps(pid).stream().filter(ProcMemory.Entry::lockable).filter(scope)
                .collect(Collectors.toList());
        List<ProcMemory.Entry> unlocked = inScope.stream().filter(e -> !e.locked()).collect(Collectors.toList());
        assertTrue(unlocked.isEmpty(), "mappings of pid " + pid + " not locked: " + unlocked);
        // A threaded target maps memory as it runs (locked at once with MCL_FUTURE): compare
        // VmLck with smaps only from a reading during which VmLck did not move.
        long lockedKb = -1;
        long vmLck = -2;
        for (int attempt = 0; attempt < 50 && lockedKb != vmLck; attempt++) {
            long before = ProcMemory.vmLckKb(pid);
            lockedKb = ProcMemory.smaps(pid).stream().filter(ProcMemory.Entry::locked).mapToLong(e -> e.sizeKb).sum();
            vmLck = ProcMemory.vmLckKb(pid);
            if (before != vmLck) {
                lockedKb = -1; // moved during the reading: read again
            }
        }
        assertEquals(lockedKb, vmLck, "VmLck is the size of the mappings with lo");
        assertTrue(ProcMemory.vmLckKb(pid) > 0);
    }

    private static void assertNothingLocked(long pid) {
        assertEquals(0, ProcMemory.vmLckKb(pid), "VmLck of pid " + pid);
        List<ProcMemory.Entry> locked = ProcMemory.smaps(pid).stream().filter(ProcMemory.Entry::locked)
                .collect(Collectors.toList());
        assertTrue(locked.isEmpty(), "still locked: " + locked);
    }

    @Test
    void sleepIsLockedAndUnlockedAndStillSleepsItsFullTimeThenExitsZero() throws Exception {
        long started = System.nanoTime();
        InjectionTarget sleep = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "sleep", "4"));
        Map<String, Object> lock = args("pid", sleep.pid());

        ExecutorResult check = memoryLock(with(with(lock, "_check_mode", true), "_diff", true));
        assertTrue(check.changed(), check.toString());
        assertEquals(0, ProcMemory.vmLckKb(sleep.pid()), "check mode changed nothing");
        JsonNode predicted = check.json().get("processes").get(0).get("after");

        ExecutorResult locked = memoryLock(with(lock, "_diff", true));
        assertTrue(locked.changed(), locked.toString());
        assertLocked(sleep.pid(), e -> true);
        JsonNode process = locked.json().get("processes").get(0);
        assertEquals(ProcMemory.vmLckKb(sleep.pid()), process.get("after").get("locked_kb").asLong());
        assertEquals(predicted.get("locked_kb"), process.get("after").get("locked_kb"), "check mode predicted VmLck");
        assertEquals(0, process.get("before").get("locked_kb").asLong());
        assertEquals(process.get("after").get("mappings").asInt(), process.get("after").get("mappings_locked").asInt());
        assertEquals(1, locked.diff().size());
        assertTrue(locked.diff().get(0).get("before").asText().contains("locked_kb: 0"), locked.toString());

        sleep.awaitAsleep(); // back asleep after the lock's injection
        long switches = ProcMemory.contextSwitches(sleep.pid());
        ExecutorResult again = memoryLock(lock);
        assertFalse(again.changed(), "idempotent" + again);
        assertEquals(switches, ProcMemory.contextSwitches(sleep.pid()), "an unchanged run does not even stop the target");

        ExecutorResult unlocked = memoryLock(with(lock, "state", "unlocked"));
        assertTrue(unlocked.changed(), unlocked.toString());
        assertNothingLocked(sleep.pid());
        assertFalse(memoryLock(with(lock, "state", "unlocked")).changed());

        assertTrue(sleep.process().waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, sleep.process().exitValue(), "nanosleep resumed and ended normally");
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(3990),
                "sleep 4 slept its full time (the interrupted nanosleep was restarted, not ended early)");
    }

    /** On SIGUSR2, maps one fresh anonymous page and prints its address: a mapping made "now". */
    private static final String MAPPER = String.join("\n",
            "#include <signal.h>",
            "#include <stdio.h>",
            "#include <string.h>",
            "#include <sys/mman.h>",
            "#include <unistd.h>",
            "static volatile sig_atomic_t asked;",
            "static void on_usr2(int sig) { asked = 1; }",
            "int main(void) {",
            "    struct sigaction action;",
            "    memset(&action, 0, sizeof action);",
            "    action.sa_handler = on_usr2;",
            "    sigaction(SIGUSR2, &action, NULL);",
            "    printf(\"%d\\n\", (int) getpid());",
            "    fflush(stdout);",
            "    for (;;) {",
            "        pause();",
            "        if (!asked) continue;",
            "        asked = 0;",
            "        char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);",
            "        page[0] = 1;",
            "        printf(\"%lu\\n\", (unsigned long) page);",
            "        fflush(stdout);",
            "    }",
            "}",
            "");

    /** Has the target map a page now, and says whether the kernel locked it (VmFlags lo in smaps). */
    private static boolean newMappingIsLocked(CTarget target) throws Exception {
        new ProcessBuilder("kill", "-USR2", Integer.toString(target.pid())).start().waitFor();
        long address = Long.parseUnsignedLong(target.nextLine().trim());
        return ProcMemory.smaps(target.pid()).stream().filter(e -> e.holds(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping holds 0x" + Long.toHexString(address)))
                .locked();
    }

    @Test
    void futureIsAskedOfTheKernelNotAssumedFromLockedMappings(@TempDir Path dir) throws Exception {
        try (CTarget target = CTarget.start(dir, "mapper", MAPPER)) {
            Map<String, Object> lock = args("pid", target.pid());
            Map<String, Object> future = args("pid", target.pid(), "future", true);
            assertTrue(memoryLock(lock).changed());
            assertFalse(newMappingIsLocked(target), "locked without future: a new mapping is not locked");
            assertTrue(memoryLock(lock).changed(), "locks the new mapping too");

            // Every mapping is locked now, yet MCL_FUTURE is not in force: future: true must see that.
            int mappings = ProcMemory.smaps(target.pid()).size();
            ExecutorResult check = memoryLock(with(with(future, "_check_mode", true), "_diff", true));
            assertTrue(check.changed(), "MCL_FUTURE is not in force: would change " + check);
            JsonNode predicted = check.json().get("processes").get(0);
            assertFalse(predicted.get("before").get("future").asBoolean(true), check.toString());
            assertTrue(predicted.get("after").get("future").asBoolean(), check.toString());
            assertTrue(check.diff().get(0).get("before").asText().contains("future: false"), check.toString());
            assertEquals(mappings, ProcMemory.smaps(target.pid()).size(), "the probe page is gone again");

            assertTrue(memoryLock(future).changed(), "mlockall with MCL_FUTURE");
            ExecutorResult again = memoryLock(future);
            assertFalse(again.changed(), "MCL_FUTURE in force now: unchanged " + again);
            assertTrue(again.json().get("processes").get(0).get("before").get("future").asBoolean(), again.toString());
            assertTrue(newMappingIsLocked(target), "with future: a new mapping is locked by the kernel");
        }
    }

    /** Every lockable mapping carries VmFlags lo, and VM_LOCKONFAULT exactly when {@code onFault}. */
    private static void assertLockedOnFault(long pid, boolean onFault) {
        List<ProcMemory.Entry> wrong = ProcMemory.smaps(pid).stream().filter(ProcMemory.Entry::lockable)
                .filter(e -> !e.locked() || e.lockedOnFault() != onFault).collect(Collectors.toList());
        assertTrue(wrong.isEmpty(), "mappings of pid " + pid + " not locked" + (onFault ? " on fault: " : ": ") + wrong);
    }

    @Test
    void onfaultIsPartOfTheLockedStateTheKernelShows() {
        InjectionTarget server = track(InjectionTarget.python("accept"));
        Map<String, Object> onFault = args("pid", server.pid(), "onfault", true);
        Map<String, Object> resident = args("pid", server.pid());

        assertTrue(memoryLock(onFault).changed());
        assertLockedOnFault(server.pid(), true);
        assertFalse(memoryLock(onFault).changed(), "locked on fault already");

        ExecutorResult populate = memoryLock(resident);
        assertTrue(populate.changed(), "locked on fault is not every page in RAM: " + populate);
        assertLockedOnFault(server.pid(), false);
        assertFalse(memoryLock(resident).changed(), "every page locked in RAM already");

        assertTrue(memoryLock(onFault).changed(), "and back to on fault");
        assertLockedOnFault(server.pid(), true);
        assertEquals("echo:after", server.request("after"));
    }

    /** Maps 64 shared anonymous pages it never touches and prints their address: memory only a full lock brings in. */
    private static final String UNTOUCHED = String.join("\n",
            "#include <stdio.h>",
            "#include <sys/mman.h>",
            "#include <unistd.h>",
            "int main(void) {",
            "    void *pages = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);",
            "    printf(\"%d\\n%lu\\n\", (int) getpid(), (unsigned long) pages);",
            "    fflush(stdout);",
            "    for (;;) pause();",
            "}",
            "");

    private static ProcMemory.Entry mappingAt(long pid, long address) {
        return ProcMemory.smaps(pid).stream().filter(e -> e.holds(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping holds 0x" + Long.toHexString(address)));
    }

    /**
     * The kernel's own proof of which lock a mapping has: pages never touched stay out of RAM
     * under an on-fault lock and are all brought in by a full one. A full lock asked of a process
     * locked on fault is a change, on kernels that print VM_LOCKONFAULT as "??" (before 6.2) too.
     */
    @Test
    void aFullLockOverAnOnFaultLockBringsInThePagesNeverTouched(@TempDir Path dir) throws Exception {
        try (CTarget target = CTarget.start(dir, "untouched", UNTOUCHED)) {
            long address = Long.parseUnsignedLong(target.nextLine().trim());
            Map<String, Object> onFault = args("pid", target.pid(), "onfault", true);
            assertTrue(memoryLock(onFault).changed());
            ProcMemory.Entry locked = mappingAt(target.pid(), address);
            assertTrue(locked.locked() && locked.lockedOnFault(), locked.toString());
            assertEquals(0, locked.rssKb, "locked on fault: nothing brought in " + locked);

            ExecutorResult full = memoryLock(args("pid", target.pid()));
            assertTrue(full.changed(), "locked on fault is not every page in RAM: " + full);
            ProcMemory.Entry resident = mappingAt(target.pid(), address);
            assertTrue(resident.locked() && !resident.lockedOnFault(), resident.toString());
            assertEquals(resident.sizeKb, resident.rssKb, "a full lock brought every page in " + resident);
            ExecutorResult again = memoryLock(args("pid", target.pid()));
            assertFalse(again.changed(), "every page locked in RAM already " + again);
            assertTrue(again.warnings().isEmpty(), "the kernel showed which lock it is " + again);
        }
    }

    @Test
    void serverBlockedInAcceptStillServes() {
        InjectionTarget server = track(InjectionTarget.python("accept"));
        assertEquals("echo:a", server.request("a"));
        assertTrue(memoryLock(args("pid", server.pid())).changed());
        assertLocked(server.pid(), e -> true);
        assertEquals("echo:b", server.request("b"));
        assertTrue(memoryLock(args("pid", server.pid(), "state", "unlocked")).changed());
        assertNothingLocked(server.pid());
        assertEquals("echo:c", server.request("c"));
    }

    @Test
    void serverBlockedInEpollWaitStillServes() {
        InjectionTarget server = track(InjectionTarget.python("epoll"));
        assertTrue(memoryLock(args("pid", server.pid())).changed());
        assertLocked(server.pid(), e -> true);
        assertEquals("echo:x", server.request("x"));
        assertTrue(memoryLock(args("pid", server.pid(), "state", "unlocked")).changed());
        assertNothingLocked(server.pid());
        assertEquals("echo:y", server.request("y"));
    }

    @Test
    void threadedServerLockedWithFutureKeepsServing() {
        InjectionTarget server = track(InjectionTarget.python("threads"));
        ExecutorResult locked = memoryLock(args("pid", server.pid(), "future", true));
        assertTrue(locked.changed(), locked.toString());
        assertTrue(locked.warnings().stream().anyMatch(w -> w.startsWith("future:")), locked.toString());
        for (int i = 0; i < 20; i++) {
            assertEquals("echo:" + i, server.request(Integer.toString(i)));
        }
        assertLocked(server.pid(), e -> true); // with MCL_FUTURE the new threads' stacks are locked too
        assertTrue(memoryLock(args("pid", server.pid(), "state", "unlocked")).changed());
        assertNothingLocked(server.pid());
        assertEquals("echo:after", server.request("after"));
    }

    /** Rounds done so far by the thread_churn target (asked with SIGUSR1). */
    private static long rounds(CTarget target) throws Exception {
        Commands.run("kill", "-USR1", Integer.toString(target.pid())).requireSuccess();
        String line = target.nextLine();
        assertTrue(line.startsWith("rounds "), "the target answers: " + line);
        return Long.parseLong(line.substring("rounds ".length()));
    }

    @Test
    void threadsCreatedAndJoinedDuringTheLockAreNeitherLostNorLeftStopped(@TempDir Path dir) throws Exception {
        String source;
        try (java.io.InputStream in = MemoryLockTest.class.getResourceAsStream("/it/thread_churn.c")) {
            source = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try (CTarget target = CTarget.start(dir, "thread_churn", source)) {
            int pid = target.pid();
            long before = rounds(target);
            for (int cycle = 0; cycle < 10; cycle++) {
                ExecutorResult locked = memoryLock(args("pid", pid, "future", true));
                assertFalse(locked.failed(), "cycle " + cycle + locked);
                assertTrue(locked.changed(), "cycle " + cycle + locked);
                assertLocked(pid, e -> true); // with MCL_FUTURE the stacks of new threads are locked as well
                ExecutorResult unlocked = memoryLock(args("pid", pid, "state", "unlocked"));
                assertFalse(unlocked.failed(), "cycle " + cycle + unlocked);
                assertTrue(unlocked.changed(), "cycle " + cycle + unlocked);
            }
            for (Path task : Files.list(Path.of("/proc/" + pid + "/task")).collect(Collectors.toList())) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // a short-lived thread that just ended
                }
                assertTrue(status.contains("\nTracerPid:\t0\n"), "no thread is left traced: " + task + "\n" + status);
                assertFalse(status.contains("(tracing stop)") || status.contains("(stopped)"),
                        "no thread is left stopped: " + task + "\n" + status);
            }
            long after = rounds(target);
            long later = rounds(target);
            assertTrue(after > before && later > after, "the churning main thread goes on: rounds " + before + ", "
                    + after + ", " + later);
        }
    }

    @Test
    void jvmLockedAndUnlocked() {
        InjectionTarget jvm = track(InjectionTarget.jvm());
        assertEquals("echo:before", jvm.request("before"));
        ExecutorResult locked = memoryLock(args("pid", jvm.pid(), "future", true));
        assertTrue(locked.changed(), locked.toString());
        assertLocked(jvm.pid(), e -> true);
        for (int i = 0; i < 10; i++) {
            assertEquals("echo:" + i, jvm.request(Integer.toString(i)));
        }
        ExecutorResult unlocked = memoryLock(args("pid", jvm.pid(), "state", "unlocked"));
        assertTrue(unlocked.changed(), unlocked.toString());
        assertNothingLocked(jvm.pid());
        assertEquals("echo:after", jvm.request("after"));
    }

    @Test
    void textScopeLocksExactlyTheExecutableMappings() {
        InjectionTarget server = track(InjectionTarget.python("accept"));
        Map<String, Object> text = args("pid", server.pid(), "scope", "text");
        ExecutorResult locked = memoryLock(text);
        assertTrue(locked.changed(), locked.toString());
        assertLocked(server.pid(), ProcMemory.Entry::executable);
        List<ProcMemory.Entry> dataLocked = ProcMemory.smaps(server.pid()).stream()
                .filter(e -> e.locked() && !e.executable()).collect(Collectors.toList());
        assertTrue(dataLocked.isEmpty(), "only code is locked: " + dataLocked);
        assertFalse(memoryLock(text).changed(), "idempotent");
        assertEquals("echo:t", server.request("t"));

        assertTrue(memoryLock(with(text, "state", "unlocked")).changed());
        assertNothingLocked(server.pid());
        assertFalse(memoryLock(with(text, "state", "unlocked")).changed());
    }

    @Test
    void aLimitTooLowFailsWithTheSizesAndRaiseLimitFixesIt() {
        // No CAP_IPC_LOCK and a 1 MiB soft limit: mlockall(MCL_CURRENT) needs the whole VmSize.
        InjectionTarget sleep = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "prlimit", "--memlock=1048576:8388608", "setpriv",
                "--bounding-set=-ipc_lock", "sleep", "60"));
        assertEquals("1048576", ProcMemory.memlockSoftLimit(sleep.pid()));
        ExecutorResult refused = memoryLock(args("pid", sleep.pid()));
        assertTrue(refused.failed(), refused.toString());
        assertTrue(refused.msg().contains("ENOMEM") && refused.msg().contains("VmSize")
                && refused.msg().contains("raise_limit"), refused.msg());
        assertEquals(0, ProcMemory.vmLckKb(sleep.pid()));

        ExecutorResult check = memoryLock(args("pid", sleep.pid(), "raise_limit", true, "_check_mode", true));
        assertTrue(check.changed());
        assertEquals("1048576", ProcMemory.memlockSoftLimit(sleep.pid()), "check mode does not raise the limit");

        ExecutorResult raised = memoryLock(args("pid", sleep.pid(), "raise_limit", true));
        assertTrue(raised.changed(), raised.toString());
        assertTrue(raised.warnings().stream().anyMatch(w -> w.startsWith("raised RLIMIT_MEMLOCK")), raised.toString());
        assertTrue(Long.parseLong(ProcMemory.memlockSoftLimit(sleep.pid())) > 1048576);
        assertTrue(raised.json().get("processes").get(0).get("limit_raised").asBoolean());
        assertLocked(sleep.pid(), e -> true);
    }

    @Test
    void aZeroLimitWithoutCapabilityIsNotPermitted() {
        InjectionTarget sleep = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "prlimit", "--memlock=0:0", "setpriv",
                "--bounding-set=-ipc_lock", "sleep", "60"));
        ExecutorResult refused = memoryLock(args("pid", sleep.pid()));
        assertTrue(refused.failed());
        assertTrue(refused.msg().startsWith("not permitted") && refused.msg().contains("CAP_IPC_LOCK"), refused.msg());
        assertEquals(0, ProcMemory.vmLckKb(sleep.pid()));
    }

    @Test
    void aTargetUnderASeccompFilterIsNotKilled() {
        InjectionTarget server = track(InjectionTarget.python("seccomp"));
        assertEquals(2, ProcMemory.statusKb(server.pid(), "Seccomp"), "the target runs under a seccomp filter");
        ExecutorResult locked = memoryLock(args("pid", server.pid()));
        assertTrue(locked.changed(), locked.toString());
        assertLocked(server.pid(), e -> true);
        assertEquals("echo:alive", server.request("alive"));
    }

    @Test
    void aTracedTargetIsRefusedNamingTheTracer() throws Exception {
        InjectionTarget strace = track(InjectionTarget.command("strace", "do_wait", "strace", "-f", "-o", "/dev/null", "sleep", "60"));
        ProcessHandle sleep = strace.descendant("sleep");
        ExecutorResult refused = memoryLock(args("pid", sleep.pid()));
        assertTrue(refused.failed());
        assertTrue(refused.msg().contains("already being traced by pid " + strace.pid() + " (strace"), refused.msg());
        assertEquals(0, ProcMemory.vmLckKb(sleep.pid()));
    }

    @Test
    void badArgumentsAndMissingProcesses() {
        ExecutorResult future = memoryLock(args("pid", 1, "scope", "text", "future", true));
        assertTrue(future.failed());
        assertTrue(future.msg().startsWith("future: only with scope: all"), future.msg());
        ExecutorResult unknown = memoryLock(args("pid", 1, "state", "pinned"));
        assertTrue(unknown.failed());
        assertTrue(unknown.msg().startsWith("state:"), unknown.msg());
        ExecutorResult none = memoryLock(args("pid", 999_999_999 / 2));
        assertTrue(none.failed());
        assertTrue(none.msg().contains("no such process"), none.msg());
        ExecutorResult ignored = memoryLock(args("cmdline", "no-such-livetune-process-[x]yz", "missing", "ignore"));
        assertFalse(ignored.failed());
        assertFalse(ignored.changed());
    }

    private static String statusName(long pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
