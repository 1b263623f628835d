package io.livetune.executor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `lock`, the memory_lock module for people at a shell, checked against /proc. */
@Timeout(60)
class LockCommandTest {

    @Test
    void locksChecksAndUnlocksARunningProcess() {
        try (InjectionTarget target = InjectionTarget.python("accept")) {
            String pid = Integer.toString(target.pid());

            Cli.Result check = Cli.run("lock", "-p", pid, "--check");
            assertEquals(0, check.status(), check::toString);
            assertTrue(check.stdout().contains("would lock"), check::toString);
            assertEquals(0, ProcMemory.vmLckKb(target.pid()), "check mode locked nothing");

            Cli.Result lock = Cli.run("lock", "-p", pid);
            assertEquals(0, lock.status(), lock::toString);
            long locked = ProcMemory.vmLckKb(target.pid());
            assertTrue(locked > 0, "VmLck after lock" + lock);
            assertTrue(lock.stdout().contains("0 -> "), "the table shows locked kB before and after" + lock);

            Cli.Result again = Cli.run("lock", "-p", pid);
            assertTrue(again.stdout().contains("already locked"), again::toString);

            Cli.Result unlock = Cli.run("lock", "-p", pid, "--unlock");
            assertEquals(0, unlock.status(), unlock::toString);
            assertEquals(0, ProcMemory.vmLckKb(target.pid()), "VmLck after unlock" + unlock);
            assertEquals("echo:still here", target.request("still here"), "the process still serves");
        }
    }

    @Test
    void aMissingProcessIsAClearErrorWithoutStackTrace() {
        Cli.Result result = Cli.run("lock", "-p", "999999999");
        assertEquals(1, result.status(), result::toString);
        assertTrue(result.stderr().contains("no such process: 999999999"), result::toString);
        assertTrue(result.stderr().contains("(add --missing=ignore to accept that)"), result::toString);
        assertTrue(!result.stderr().contains("\tat "), "no stack trace" + result);

        Cli.Result ignored = Cli.run("lock", "-p", "999999999", "--missing", "ignore");
        assertEquals(0, ignored.status(), ignored::toString);
        assertTrue(ignored.stdout().startsWith("no such process: 999999999"), ignored::toString);
        assertTrue(ignored.stdout().contains("; nothing to do (--missing=ignore)"), ignored::toString);
    }
}
