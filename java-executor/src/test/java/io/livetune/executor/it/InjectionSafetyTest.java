package io.livetune.executor.it;

import io.livetune.executor.inject.InjectionException;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.RemoteErrno;
import io.livetune.executor.inject.Syscall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The remote-syscall engine's promises, against real processes: a target is never left
 * stopped, traced or changed; signals that arrive meanwhile are all delivered; a busy
 * multi-threaded server keeps answering through hundreds of injections.
 */
class InjectionSafetyTest extends LiveProcessTest {
    private final List<InjectionTarget> targets = new ArrayList<>();
    private final Injector injector;

    InjectionSafetyTest() throws InjectionException {
        injector = new Injector();
    }

    private InjectionTarget track(InjectionTarget target) {
        targets.add(target);
        return target;
    }

    @AfterEach
    void stopTargets() {
        injector.close();
        targets.forEach(InjectionTarget::close);
    }

    private static void assertNotTraced(long pid) {
        for (String line : read(pid).split("\n")) {
            if (line.startsWith("TracerPid:")) {
                assertEquals("0", line.substring(10).trim(), "pid " + pid + " is still traced");
            }
            if (line.startsWith("State:")) {
                assertFalse(line.contains("t (tracing stop)") || line.contains("T (stopped)"), line);
            }
        }
    }

    @Test
    void twoHundredInjectionsIntoAThreadedServerUnderLoad() throws Exception {
        InjectionTarget server = track(InjectionTarget.python("threads"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        List<String> wrong = new ArrayList<>();
        ExecutorService load = Executors.newFixedThreadPool(2);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int client = c;
            clients.add(load.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String line = client + "-" + i;
                    String reply = server.request(line);
                    if (!("echo:" + line).equals(reply)) {
                        synchronized (wrong) {
                            wrong.add(line + " -> " + reply);
                        }
                    }
                    answered.incrementAndGet();
                }
                return null;
            }));
        }
        try {
            for (int i = 0; i < 200; i++) {
                assertEquals(server.pid(), injector.call(server.pid(), Syscall.GETPID));
            }
        } finally {
            stop.set(true);
            load.shutdown();
        }
        for (Future<?> client : clients) {
            client.get(30, TimeUnit.SECONDS); // rethrows a failed request
        }
        assertTrue(wrong.isEmpty(), "wrong answers: " + wrong);
        assertTrue(answered.get() > 0);
        assertNotTraced(server.pid());
        assertEquals("echo:end", server.request("end"));
    }

    @Test
    void everySignalSentDuringInjectionsIsDelivered() throws Exception {
        InjectionTarget target = track(InjectionTarget.python("signals"));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger injections = new AtomicInteger();
        ExecutorService background = Executors.newSingleThreadExecutor();
        Future<?> injecting = background.submit(() -> {
            while (!done.get()) {
                assertEquals(target.pid(), injector.call(target.pid(), Syscall.GETPID));
                injections.incrementAndGet();
            }
            return null;
        });
        int signals = 150;
        try {
            for (int i = 1; i <= signals; i++) {
                new ProcessBuilder("kill", "-USR1", Integer.toString(target.pid())).start().waitFor();
                int expected = i;
                // the next signal only after this one was counted: a lost one would stall here
                Await.until(() -> target.request("count"), reply -> reply.equals("count:" + expected),
                        "signal " + expected + " counted", 10);
            }
        } finally {
            done.set(true);
            background.shutdown();
        }
        injecting.get(30, TimeUnit.SECONDS);
        assertTrue(injections.get() > 0, "injections ran alongside the signals");
        assertEquals("count:" + signals, target.request("count"));
        assertNotTraced(target.pid());
    }

    @Test
    void aTracedProcessIsRefusedNamingItsTracer() throws Exception {
        InjectionTarget strace = track(InjectionTarget.command("strace", "do_wait", "strace", "-o", "/dev/null", "sleep", "60"));
        ProcessHandle sleep = strace.descendant("sleep");
        InjectionException refused = assertThrows(InjectionException.class,
                () -> injector.call((int) sleep.pid(), Syscall.GETPID));
        assertEquals(InjectionException.Kind.ALREADY_TRACED, refused.kind());
        assertTrue(refused.getMessage().contains("pid " + strace.pid() + " (strace"), refused.getMessage());
    }

    @Test
    void aStoppedProcessIsRefusedAndLeftStopped() throws Exception {
        InjectionTarget server = track(InjectionTarget.python("accept"));
        new ProcessBuilder("kill", "-STOP", Integer.toString(server.pid())).start().waitFor();
        Await.until(() -> read(server.pid()), status -> status.contains("T (stopped)"), "stopped", 10);
        InjectionException refused = assertThrows(InjectionException.class,
                () -> injector.call(server.pid(), Syscall.GETPID));
        assertEquals(InjectionException.Kind.STOPPED, refused.kind());
        assertTrue(read(server.pid()).contains("T (stopped)"));
        new ProcessBuilder("kill", "-CONT", Integer.toString(server.pid())).start().waitFor();
        assertEquals("echo:cont", server.request("cont"));
    }

    @Test
    void aProcessThatExitsMidwayIsAClearErrorAndTheEngineStillWorks() throws Exception {
        InjectionTarget doomed = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "sleep", "60"));
        InjectionException gone = assertThrows(InjectionException.class, () -> injector.inject(doomed.pid(), calls -> {
            calls.call(Syscall.GETPID);
            ProcessHandle.of(doomed.pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL while stopped
            calls.call(Syscall.GETPID);
            return null;
        }));
        assertEquals(InjectionException.Kind.GONE, gone.kind(), gone.toString());
        assertTrue(gone.getMessage().contains("pid " + doomed.pid()), gone.getMessage());
        InjectionTarget next = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "sleep", "60"));
        assertEquals(next.pid(), injector.call(next.pid(), Syscall.GETPID));
        assertNotTraced(next.pid());
    }

    @Test
    void memoryArgumentsGoThroughTheStackAndComeBack() throws Exception {
        InjectionTarget server = track(InjectionTarget.python("accept"));
        int fd = server.listenerFd();
        int[] values = injector.inject(server.pid(), calls -> {
            int[] out = new int[2];
            int[] options = {3 /* SO_TYPE */, 30 /* SO_ACCEPTCONN */};
            for (int i = 0; i < 2; i++) {
                long value = calls.scratch(new byte[4]);
                long length = calls.scratch(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(4).array());
                long result = calls.call(Syscall.GETSOCKOPT, fd, 1 /* SOL_SOCKET */, options[i], value, length);
                assertFalse(RemoteErrno.failed(result), "getsockopt returned " + result);
                out[i] = ByteBuffer.wrap(calls.read(value, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
            return out;
        });
        assertEquals(1, values[0], "SO_TYPE is SOCK_STREAM");
        assertEquals(1, values[1], "SO_ACCEPTCONN: it listens");
        assertEquals("echo:stack", server.request("stack"));
    }

    @Test
    void aSleepInterruptedHundredsOfTimesStillEndsOnTimeWithStatusZero() throws Exception {
        long started = System.nanoTime();
        InjectionTarget sleep = track(InjectionTarget.command("sleep", "hrtimer_nanosleep", "sleep", "2"));
        int injections = 0;
        while (sleep.process().isAlive() && System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(1500)) {
            assertEquals(sleep.pid(), injector.call(sleep.pid(), Syscall.GETPID));
            injections++;
        }
        assertTrue(sleep.process().waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, sleep.process().exitValue());
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(1990), "it slept its full time");
        assertTrue(injections > 50, "injections: " + injections);
    }

    private static String comm(long pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String read(long pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/status"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
