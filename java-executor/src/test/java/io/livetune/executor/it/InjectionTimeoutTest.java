package io.livetune.executor.it;

import io.livetune.executor.inject.InjectionException;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.Syscall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread that cannot stop (uninterruptible sleep, state D) must not hold the injection,
 * nor be left traced: the engine gives up at its deadline, ends its tracer thread (which
 * makes the kernel detach the thread) and the process carries on as if nothing happened.
 */
class InjectionTimeoutTest extends LiveProcessTest {
    /** The parent of a vfork sleeps uninterruptibly until its child exits, three seconds later. */
    private static final String VFORK_PARENT = String.join("\n",
            "#include <stdio.h>",
            "#include <sys/wait.h>",
            "#include <unistd.h>",
            "int main(void) {",
            "    printf(\"%d\\n\", (int) getpid());",
            "    fflush(stdout);",
            "    pid_t child = vfork();",
            "    if (child == 0) {",
            "        sleep(3);",
            "        _exit(7);",
            "    }",
            "    int status;",
            "    waitpid(child, &status, 0);",
            "    printf(\"child exited %d\\n\", WEXITSTATUS(status));",
            "    return 0;",
            "}",
            "");

    @Test
    void aThreadInUninterruptibleSleepTimesOutAndIsReleasedUnharmed(@TempDir Path dir) throws Exception {
        try (CTarget target = CTarget.start(dir, "vfork_parent", VFORK_PARENT);
             Injector injector = new Injector(new Injector.Limits(300, 1_000))) {
            int pid = target.pid();
            Await.until(() -> state(pid), state -> state.equals("D"), "pid " + pid + " waits in vfork (state D)", 10);

            InjectionException timeout = assertThrows(InjectionException.class,
                    () -> injector.call(pid, Syscall.GETPID));
            assertEquals(InjectionException.Kind.TIMEOUT, timeout.kind(), timeout.toString());
            assertTrue(timeout.getMessage().contains("did not stop within 300 ms"), timeout.getMessage());
            assertFalse(timeout.targetLeftChanged(), "nothing was changed: " + timeout);

            Await.until(() -> status(pid, "TracerPid:"), tracer -> tracer.equals("0"),
                    "the kernel detached pid " + pid + " when the tracer thread ended", 10);
            assertEquals("child exited 7", target.nextLine(), "the process went on with its own work");
            assertEquals(0, target.exitStatus(10));
        }
    }

    /** The state letter of /proc/PID/stat (after the parenthesised command name). */
    private static String state(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    private static String status(int pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return line.substring(field.length()).trim();
                }
            }
            return "";
        } catch (IOException e) {
            return "gone";
        }
    }
}
