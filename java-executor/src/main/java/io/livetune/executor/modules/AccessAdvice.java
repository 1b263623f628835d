package io.livetune.executor.modules;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.HiddenProcessException;
import io.livetune.executor.procfs.ProcessAccessDeniedException;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.procfs.PtraceAccess;
import io.livetune.executor.procfs.Sysctl;
import java.io.IOException;

/**
 * Turns a failure to reach a process's descriptors (pidfd_open, pidfd_getfd) into what the
 * operator needs to do about it.
 */
public final class AccessAdvice {
    private AccessAdvice() {
    }

    public static TaskFailure explain(ErrnoException e, ProcessInfo process) {
        String target = "pid " + process.pid() + " (" + process.name() + ")";
        if (e.is(Errno.EPERM) || e.is(Errno.EACCES)) {
            return new TaskFailure(access().attachRefused(target), e);
        }
        if (e.is(Errno.ENOSYS)) {
            return new TaskFailure("this kernel (" + Sysctl.readOr("kernel.osrelease", "unknown")
                    + ") has no pidfd_open/pidfd_getfd, which method: pidfd needs (Linux 5.6 or later) to reach the "
                    + "sockets of " + target + "; pass method: auto (the default) or method: ptrace to reach them from inside "
                    + "the process with ptrace on this kernel", e);
        }
        if (e.is(Errno.ESRCH)) {
            return new TaskFailure(target + " exited while livetune was working on it", e);
        }
        return new TaskFailure("cannot reach the descriptors of " + target + ": " + e.getMessage(), e);
    }

    /**
     * Whether a failure while visiting sockets is pidfd_getfd refused by the kernel's ptrace
     * attach check (Yama included), to be explained as such rather than as a bare errno.
     */
    public static boolean refusedReach(ErrnoException e) {
        return e.call().startsWith("pidfd_getfd") && (e.is(Errno.EPERM) || e.is(Errno.EACCES));
    }

    /** /proc would not show a process's descriptors: same advice as a refused pidfd. */
    public static TaskFailure explain(ProcessAccessDeniedException e) {
        if (e instanceof HiddenProcessException) {
            return new TaskFailure(e.getMessage(), e); // says it all: what hides it and what to do
        }
        String name = commOf(e.pid()); // readable even when its fd/ and ns/ are not
        return new TaskFailure(access().readRefused("pid " + e.pid() + " (" + (name.isEmpty() ? "?" : name) + ")")
                + " (" + e.getMessage() + ")", e);
    }

    private static String commOf(int pid) {
        try {
            return new ProcFs().read(pid, "comm").trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static PtraceAccess access() {
        return PtraceAccess.ofThisExecutor(new ProcFs());
    }
}
