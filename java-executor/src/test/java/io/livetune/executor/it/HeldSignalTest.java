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

    /** As TARGET, for SIGUSR1 and SIGUSR2: waits for both, then prints what each handler saw. */
    private static final String TWO_SIGNALS_TARGET = String.join("\n",
            "#include <signal.h>",
            "#include <stdio.h>",
            "#include <string.h>",
            "#include <unistd.h>",
            "static volatile sig_atomic_t got1, got2;",
            "static siginfo_t seen1, seen2;",
            "static void on_signal(int sig, siginfo_t *info, void *context) {",
            "    if (sig == SIGUSR1) { seen1 = *info; got1 = 1; } else { seen2 = *info; got2 = 1; }",
            "}",
            "int main(void) {",
            "    struct sigaction action;",
            "    memset(&action, 0, sizeof action);",
            "    action.sa_sigaction = on_signal;",
            "    action.sa_flags = SA_SIGINFO;",
            "    sigaction(SIGUSR1, &action, NULL);",
            "    sigaction(SIGUSR2, &action, NULL);",
            "    printf(\"%d\\n\", (int) getpid());",
            "    fflush(stdout);",
            "    while (!got1 || !got2) pause();",
            "    printf(\"signo=%d code=%d pid=%d value=%d\\n\", seen1.si_signo, seen1.si_code, (int) seen1.si_pid,",
            "           seen1.si_value.sival_int);",
            "    printf(\"signo=%d code=%d pid=%d value=%d\\n\", seen2.si_signo, seen2.si_code, (int) seen2.si_pid,",
            "           seen2.si_value.sival_int);",
            "    return 0;",
            "}",
            "");
    private static final int SIGUSR2 = 12;

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

    @Test
    void twoSignalsQueuedDuringOneInjectionBothKeepTheirSiginfo(@TempDir Path dir) throws Exception {
        try (CTarget target = CTarget.start(dir, "two_signals_target", TWO_SIGNALS_TARGET);
             Injector injector = new Injector()) {
            int pid = target.pid();
            int sender = (int) ProcessHandle.current().pid();

            injector.inject(pid, calls -> {
                // Both wait; each stops the single step once and is held: one goes out with the detach,
                // the other is queued again.
                assertEquals(0, Libc.INSTANCE.sigqueue(pid, SIGUSR1, 1111), "sigqueue SIGUSR1");
                assertEquals(0, Libc.INSTANCE.sigqueue(pid, SIGUSR2, 2222), "sigqueue SIGUSR2");
                return calls.call(Syscall.GETPID);
            });

            assertEquals("signo=" + SIGUSR1 + " code=" + SI_QUEUE + " pid=" + sender + " value=1111", target.nextLine());
            assertEquals("signo=" + SIGUSR2 + " code=" + SI_QUEUE + " pid=" + sender + " value=2222", target.nextLine());
            assertEquals(0, target.exitStatus(10), "the target ended normally");
        }
    }
}
