package io.livetune.executor.it;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.Syscall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A signal that arrives while an injection holds the thread is delivered afterwards as it
 * was sent: its handler sees the real si_code, sender and value. A POSIX timer's handler
 * that finds a livetune-made SI_USER record with no value would follow a null pointer.
 */
class HeldSignalTest extends LiveProcessTest {
    private static final int SIGUSR1 = 10;
    private static final int SI_QUEUE = -1;

    /** Waits in pause() until SIGUSR1 comes, then prints what its SA_SIGINFO handler saw. */
    private static final String TARGET = String.join("\n",
            "#include <signal.h>",
            "#include <stdio.h>",
            "#include <string.h>",
            "#include <unistd.h>",
            "static volatile sig_atomic_t got;",
            "static siginfo_t seen;",
            "static void on_usr1(int sig, siginfo_t *info, void *context) { seen = *info; got = 1; }",
            "int main(void) {",
            "    struct sigaction action;",
            "    memset(&action, 0, sizeof action);",
            "    action.sa_sigaction = on_usr1;",
            "    action.sa_flags = SA_SIGINFO;",
            "    sigaction(SIGUSR1, &action, NULL);",
            "    printf(\"%d\\n\", (int) getpid());",
            "    fflush(stdout);",
            "    while (!got) pause();",
            "    printf(\"signo=%d code=%d pid=%d value=%d\\n\", seen.si_signo, seen.si_code, (int) seen.si_pid,",
            "           seen.si_value.sival_int);",
            "    return 0;",
            "}",
            "");

    /** sigqueue(3): a signal with a value, as timers and supervisors send them. */
    interface Libc extends Library {
        Libc INSTANCE = Native.load("c", Libc.class);

        // union sigval is passed as one integer register on the ABIs livetune supports
        int sigqueue(int pid, int signal, long value);
    }

    @Test
    void aSignalQueuedDuringAnInjectionReachesItsHandlerWithItsOwnSiginfo(@TempDir Path dir) throws Exception {
        try (CTarget target = CTarget.start(dir, "siginfo_target", TARGET); Injector injector = new Injector()) {
            int pid = target.pid(); // printed once its handler is in place
            int sender = (int) ProcessHandle.current().pid();

            long result = injector.inject(pid, calls -> {
                // The thread is stopped: the signal waits, and arrives as our call's single step starts.
                assertEquals(0, Libc.INSTANCE.sigqueue(pid, SIGUSR1, 4242), "sigqueue");
                return calls.call(Syscall.GETPID);
            });
            assertEquals(pid, result, "getpid ran in the target");

            assertEquals("signo=" + SIGUSR1 + " code=" + SI_QUEUE + " pid=" + sender + " value=4242",
                    target.nextLine(), "the handler saw the signal as sigqueue sent it, not as a signal from the tracer");
            assertEquals(0, target.exitStatus(10), "the target ended normally");
        }
    }
}
