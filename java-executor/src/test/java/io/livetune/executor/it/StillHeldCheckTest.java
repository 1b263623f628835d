package io.livetune.executor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.OpenedProcess;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketFilter;
import io.livetune.executor.sockets.SocketGoneException;
import io.livetune.executor.sockets.SocketScanner;
import io.livetune.executor.sockets.SocketVisitor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The check after a socket's visit that its process still holds it: kcmp(2) answers it in one
 * call where the kernel has kcmp, and where it refuses (ENOSYS: built without CONFIG_KCMP;
 * EPERM: a seccomp policy) the descriptor is duplicated again and its inode read, with the same
 * answers: held, closed, or replaced by another socket. Those refusals are played by the system
 * calls the visit is given; the target, its sockets and everything else are real.
 */
class StillHeldCheckTest {
    @TempDir
    Path dir;

    /** The real system calls, counting pidfd_getfd and answering kcmp with {@code kcmpErrno} (0: really). */
    private static LinuxSyscalls calls(int kcmpErrno, AtomicInteger duplicates) {
        LinuxSyscalls real = LinuxSyscalls.get();
        return (LinuxSyscalls) Proxy.newProxyInstance(LinuxSyscalls.class.getClassLoader(),
                new Class<?>[] {LinuxSyscalls.class}, (proxy, method, args) -> {
                    if (method.getName().equals("sameFile") && kcmpErrno != 0) {
                        throw new ErrnoException("kcmp", kcmpErrno, "refused by the test");
                    }
                    if (method.getName().equals("pidfdGetfd")) {
                        duplicates.incrementAndGet();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest(name = "kcmp errno {0}, target {1}")
    @CsvSource({
        "0,                    NOTHING, 1,",
        "0,                    CLOSE,   2, was closed",
        "0,                    REPLACE, 2, now holds another socket",
        "" + Errno.ENOSYS + ", NOTHING, 2,",
        "" + Errno.ENOSYS + ", CLOSE,   2, was closed",
        "" + Errno.ENOSYS + ", REPLACE, 2, now holds another socket",
        "" + Errno.EPERM + ",  NOTHING, 2,",
        "" + Errno.EPERM + ",  REPLACE, 2, now holds another socket",
    })
    void theSocketIsHeldOrGoneWhateverAnswersTheCheck(int kcmpErrno, String duringVisit, int expectedDuplicates,
            String reason) throws Exception {
        ProcFs proc = new ProcFs();
        AtomicInteger duplicates = new AtomicInteger();
        LinuxSyscalls sys = calls(kcmpErrno, duplicates);
        try (RaceTarget target = new RaceTarget(dir)) {
            ProcessInfo process = ProcessInfo.read(proc, target.process.pid());
            List<ScannedSocket> victim = new SocketScanner(proc, new KernelFactsReader(proc, sys), false)
                    .scan(List.of(process), new SocketFilter().fds(Set.of(target.victim)));
            assertEquals(1, victim.size(), "the victim is scanned");
            AtomicInteger visited = new AtomicInteger();
            String[] gone = new String[1];
            try (OpenedProcess opened = OpenedProcess.open(sys, proc, process, AccessMethod.PIDFD,
                    (p, sockets, visitor) -> {
                        throw new AssertionError("no ptrace here");
                    })) {
                opened.visit(victim, new SocketVisitor() {
                    @Override
                    public void visit(ScannedSocket socket, LiveSocket live) {
                        visited.incrementAndGet();
                        if (!duringVisit.equals("NOTHING")) {
                            target.command(duringVisit + " " + target.victim);
                        }
                    }

                    @Override
                    public void vanished(ScannedSocket socket, SocketGoneException why) {
                        gone[0] = why.getMessage();
                    }
                });
            }
            assertEquals(1, visited.get(), "the socket was visited");
            if (reason == null) {
                assertNull(gone[0], "still held");
            } else {
                assertTrue(gone[0] != null && gone[0].contains(reason), "gone: " + gone[0]);
            }
            assertEquals(expectedDuplicates, duplicates.get(),
                    "pidfd_getfd calls: one to reach the socket, a second only where kcmp did not say 'held'");
        }
    }
}
