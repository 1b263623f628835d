package io.livetune.executor.procfs;

import io.livetune.executor.nativeio.Capability;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import java.io.IOException;

/**
 * Whether /proc, mounted with hidepid=, hides other users' processes from this executor, and
 * the words for it. The kernel lets a process see another's /proc/PID under hidepid only with
 * the ptrace READ right over it (same user, or CAP_SYS_PTRACE) or as a member of the mount's
 * gid= group; a process it hides may still exist, which pidfd_open (no right needed) tells.
 */
final class Visibility {
    private final ProcFs proc;
    private ProcMount mount;
    private ProcStatus self;

    Visibility(ProcFs proc) {
        this.proc = proc;
    }

    /** Whether some processes may be hidden from us: hidepid is on and we lack CAP_SYS_PTRACE. */
    boolean hiding() {
        if (mount == null) {
            mount = ProcMount.of(proc.mountPoint());
            try {
                self = ProcStatus.of(proc, ProcFs.selfPid());
            } catch (IOException | RuntimeException e) {
                self = ProcStatus.parse("");
            }
        }
        return mount.hidesProcesses() && !self.hasCapability(Capability.CAP_SYS_PTRACE);
    }

    /**
     * For a pid the user named that /proc does not show (or show the inside of): throws when
     * hidepid may be why, so the message is not "no such process".
     */
    void checkNotHidden(int pid, String source) throws HiddenProcessException {
        if (!hiding()) {
            return;
        }
        Boolean exists = exists(pid);
        if (Boolean.FALSE.equals(exists)) {
            return;
        }
        String named = source.equals("pid") ? "pid: " + pid : source + " names pid " + pid + ", which";
        throw new HiddenProcessException(pid, named + (exists == null ? " may exist: " : " exists, but ")
                + "/proc is mounted with " + mount.hidePidOption() + ", which "
                + (mount.leavesOutProcesses() ? "hides" : "forbids reading") + " other users' processes from uid "
                + uid() + " (this executor), so livetune cannot see or change it; " + mount.remedy());
    }

    /** For a search that found nothing: "" when nothing is hidden, else "; …" naming hidepid and the way out. */
    String searchNote() {
        if (!hiding()) {
            return "";
        }
        return "; /proc is mounted with " + mount.hidePidOption() + ", so uid " + uid() + " (this executor) sees only "
                + "its own processes there and another user's may match: " + mount.remedy();
    }

    private String uid() {
        int uid = self.effectiveUid();
        return uid < 0 ? "?" : Integer.toString(uid);
    }

    /** Whether a process has that pid in our PID namespace; null where pidfd_open is missing (before Linux 5.3). */
    private static Boolean exists(int pid) {
        LinuxSyscalls sys = LinuxSyscalls.get();
        try {
            sys.close(sys.pidfdOpen(pid));
            return true;
        } catch (ErrnoException e) {
            if (e.is(Errno.ESRCH)) {
                return false;
            }
            return e.is(Errno.ENOSYS) ? null : true;
        }
    }
}
