package io.livetune.executor.it;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.Syscall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Path source = dir.resolve("siginfo_target.c");
        Path binary = dir.resolve("siginfo_target");
        Files.writeString(source, TARGET);
        Process gcc = new ProcessBuilder("gcc", "-O1", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), "gcc: " + gccOutput);

        // Through a shell that waits for it: livetune refuses to inject into its own children.
        Process target = new ProcessBuilder("sh", "-c", "\"$0\" & wait $!", binary.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (Injector injector = new Injector()) {
            BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream(),
                    StandardCharsets.UTF_8));
            int pid = Integer.parseInt(out.readLine().trim()); // printed once its handler is in place
            int sender = (int) ProcessHandle.current().pid();

            long result = injector.inject(pid, calls -> {
                // The thread is stopped: the signal waits, and arrives as our call's single step starts.
                assertEquals(0, Libc.INSTANCE.sigqueue(pid, SIGUSR1, 4242), "sigqueue");
                return calls.call(Syscall.GETPID);
            });
            assertEquals(pid, result, "getpid ran in the target");

            assertEquals("signo=" + SIGUSR1 + " code=" + SI_QUEUE + " pid=" + sender + " value=4242", readLine(out),
                    "the handler saw the signal as sigqueue sent it, not as a signal from the tracer");
            assertTrue(target.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, target.exitValue(), "the target ended normally (the shell's status is its)");
        } finally {
            target.descendants().forEach(ProcessHandle::destroyForcibly);
            target.destroyForcibly();
        }
    }

    private static String readLine(BufferedReader out) throws IOException {
        String line = out.readLine();
        return line == null ? "(the target printed nothing more: it died?)" : line;
    }
}
