package io.livetune.executor.it;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code in a fresh thread whose credentials (per-thread in the kernel) may still READ a root
 * process through /proc but may not ATTACH to it: real uid 65534 (effective and filesystem uid
 * stay 0) and no CAP_SYS_PTRACE in its effective set. For a root target started
 * {@link TargetSpec#withoutPtraceCapability()} the kernel's ptrace access check then lets
 * /proc/PID/fd and /proc/PID/ns through (PTRACE_MODE_READ_FSCREDS: fsuid 0 matches, and the
 * target's permitted capabilities are a subset of our effective ones) and refuses pidfd_getfd
 * (PTRACE_MODE_ATTACH_REALCREDS: real uid 65534 does not match and CAP_SYS_PTRACE is missing):
 * a deterministic "these options cannot be read" for a socket that can still be listed. The
 * JVM's other threads keep their credentials; the changed thread ends with the call.
 */
final class WithoutPtraceRights {
    private static final int CAP_SYS_PTRACE = 19;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final long NOBODY = 65534;

    private WithoutPtraceRights() {}

    interface C extends Library {
        long syscall(long number, Object... args);
    }

    private record Numbers(long setresuid, long capget, long capset) {}

    private static Numbers numbers() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> new Numbers(117, 125, 126);
            case "aarch64" -> new Numbers(147, 90, 91);
            default -> null;
        };
    }

    static boolean supported() {
        // It drops the capability of the calling thread, which runs the executor only in-process
        // (not in the run without pidfd, whose executor is a child JVM).
        return numbers() != null && Kernel.isRoot() && !WithoutPidfd.requested();
    }

    static <T> T call(Callable<T> body) {
        Numbers nr = numbers();
        if (nr == null) {
            throw new AssertionError("no syscall numbers for " + System.getProperty("os.arch"));
        }
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                restrictThisThread(nr);
                result.set(body.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "without-ptrace-rights");
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (thread.isAlive()) {
            throw new AssertionError("the restricted call did not finish within 30 s");
        }
        // A thread the restricted one started (a pool worker) would keep its credentials and could
        // make later tests fail for no visible reason: make sure none is left.
        Await.until(WithoutPtraceRights::restrictedThreads, List::isEmpty,
                "no thread of this JVM keeps the restricted credentials", 10);
        if (failure.get() instanceof AssertionError a) {
            throw a;
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return result.get();
    }

    /** Threads of this JVM whose real uid is 65534 while the effective one is 0: ours, restricted. */
    private static List<String> restrictedThreads() {
        List<String> restricted = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String status = Files.readString(task.resolve("status"));
                    if (status.lines().anyMatch(l -> l.matches("Uid:\\s+65534\\s+0\\s+0\\s+0"))) {
                        restricted.add(task.getFileName() + " " + Files.readString(task.resolve("comm")).strip());
                    }
                } catch (IOException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/task: " + e, e);
        }
        return restricted;
    }

    private static void restrictThisThread(Numbers nr) throws IOException {
        C c = Native.load("c", C.class);
        // Raw syscalls: glibc's setresuid would change every thread of the JVM.
        if (c.syscall(nr.setresuid(), NOBODY, 0L, 0L) != 0) {
            throw new AssertionError("setresuid(65534, 0, 0) failed: errno " + Native.getLastError());
        }
        Memory header = new Memory(8);
        header.setInt(0, LINUX_CAPABILITY_VERSION_3);
        header.setInt(4, 0); // this thread
        Memory data = new Memory(24); // two struct __user_cap_data_struct {effective, permitted, inheritable}
        data.clear();
        if (c.syscall(nr.capget(), header, data) != 0) {
            throw new AssertionError("capget failed: errno " + Native.getLastError());
        }
        data.setInt(0, data.getInt(0) & ~(1 << CAP_SYS_PTRACE));
        if (c.syscall(nr.capset(), header, data) != 0) {
            throw new AssertionError("capset failed: errno " + Native.getLastError());
        }
        // Check what the kernel now holds for this thread, not what we asked for.
        String status = Files.readString(Path.of("/proc/thread-self/status"));
        String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElse("");
        String capEff = status.lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElse("");
        if (!uids.matches("Uid:\\s+65534\\s+0\\s+0\\s+0")) {
            throw new AssertionError("setup: the thread's uids are not 65534/0/0/0: " + uids);
        }
        long effective = Long.parseLong(capEff.substring("CapEff:".length()).trim(), 16);
        if ((effective & (1L << CAP_SYS_PTRACE)) != 0) {
            throw new AssertionError("setup: the thread still has CAP_SYS_PTRACE: " + capEff);
        }
    }
}
