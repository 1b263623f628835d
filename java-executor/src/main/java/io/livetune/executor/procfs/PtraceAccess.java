package io.livetune.executor.procfs;

import io.livetune.executor.nativeio.Capability;
import java.io.IOException;

/**
 * Why the kernel refused this executor access to a process, and what to do about it: the one
 * place for that advice, whichever way livetune reached the process.
 *
 * <p>The kernel checks two modes (ptrace_may_access). PTRACE_MODE_READ guards /proc/PID/fd and
 * /proc/PID/ns: same user, or CAP_SYS_PTRACE. PTRACE_MODE_ATTACH guards PTRACE_SEIZE,
 * pidfd_getfd and process_vm_*, so method: pidfd and method: ptrace alike; on top of the READ
 * rules it asks Yama, whose kernel.yama.ptrace_scope says who may attach: 0 as READ does,
 * 1 only to one's descendants (or to a process that named us with prctl(PR_SET_PTRACER)) unless
 * holding CAP_SYS_PTRACE, 2 only with CAP_SYS_PTRACE, 3 nobody, and 3 cannot be lowered
 * until the next boot.
 */
public final class PtraceAccess {
    private static final String BECOME = "run the task as root (become: true)";

    private final boolean capSysPtrace;
    private final String yamaScope;

    /** @param yamaScope kernel.yama.ptrace_scope, or null where the kernel has no Yama */
    PtraceAccess(boolean capSysPtrace, String yamaScope) {
        this.capSysPtrace = capSysPtrace;
        this.yamaScope = yamaScope;
    }

    /** The rights of this executor (its CapEff in {@code proc}) and the running kernel's Yama setting. */
    public static PtraceAccess ofThisExecutor(ProcFs proc) {
        boolean capable;
        try {
            capable = ProcStatus.of(proc, ProcFs.selfPid()).hasCapability(Capability.CAP_SYS_PTRACE);
        } catch (IOException | NumberFormatException e) {
            capable = false;
        }
        return new PtraceAccess(capable, Sysctl.readOr("kernel.yama.ptrace_scope", null));
    }

    /**
     * Why attaching to {@code target} ("pid 42 (nginx)") was refused (PTRACE_SEIZE or pidfd_getfd
     * failed with EPERM), and what to do.
     */
    public String attachRefused(String target) {
        if ("3".equals(yamaScope)) {
            return "permission denied for " + target + ": kernel.yama.ptrace_scope is 3, which forbids every process, "
                    + "root included, to attach to another (pidfd_getfd and ptrace alike) and cannot be lowered until "
                    + "the next boot; set it to 2 or lower in /etc/sysctl.d/ and reboot";
        }
        if (capSysPtrace) {
            return "permission denied for " + target + " even with CAP_SYS_PTRACE: "
                    + (yamaScope == null ? "" : "kernel.yama.ptrace_scope is " + yamaScope
                            + ", which lets CAP_SYS_PTRACE through, so ")
                    + "a security module (SELinux, AppArmor, Landlock) forbids attaching to it";
        }
        if ("2".equals(yamaScope)) {
            return "permission denied for " + target + ": kernel.yama.ptrace_scope is 2, under which only a holder of "
                    + "CAP_SYS_PTRACE may attach to a process (pidfd_getfd and ptrace alike), even one of the same user; "
                    + BECOME;
        }
        if ("1".equals(yamaScope)) {
            return "permission denied for " + target + ": kernel.yama.ptrace_scope is 1, under which a process without "
                    + "CAP_SYS_PTRACE may attach (pidfd_getfd and ptrace alike) only to its own descendants or to a "
                    + "process that named it with prctl(PR_SET_PTRACER); " + BECOME
                    + ", or set kernel.yama.ptrace_scope to 0";
        }
        return "permission denied: working on " + target + " needs root or CAP_SYS_PTRACE over it (or, without them, "
                + "the same user as the process); " + BECOME;
    }

    /** Why /proc would not show what {@code target} holds (its fd/ or ns/, PTRACE_MODE_READ): Yama plays no part. */
    public String readRefused(String target) {
        if (capSysPtrace) {
            return "permission denied for " + target + " even with CAP_SYS_PTRACE: a security module (SELinux, "
                    + "AppArmor, Landlock) forbids reading what it holds";
        }
        return "permission denied: working on " + target + " needs root or CAP_SYS_PTRACE over it (or, without them, "
                + "the same user as the process); " + BECOME;
    }
}
