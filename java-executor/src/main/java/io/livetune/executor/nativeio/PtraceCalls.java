package io.livetune.executor.nativeio;

/**
 * The calls the remote-syscall engine needs (ptrace, waitpid, process_vm_readv/writev, and
 * tgkill/rt_tgsigqueueinfo to deliver again the signals it held back), as plain Java. Resource
 * limits, which need no tracing, are {@link ResourceLimits}. Like {@link LinuxSyscalls}, the JNA binding behind it is
 * package-private; every failure is an {@link ErrnoException} that names the call.
 *
 * <p>The kernel ties a tracee to the THREAD that attached it: every ptrace and waitpid call
 * about one tracee must come from the same thread. This interface does not enforce that;
 * {@code io.livetune.executor.inject.TracerThread} does.
 */
public interface PtraceCalls {
    // ptrace options (include/uapi/linux/ptrace.h)
    long PTRACE_O_TRACESYSGOOD = 1;
    /** Suspends the tracee's seccomp filter while it is traced (needs CAP_SYS_ADMIN). */
    long PTRACE_O_SUSPEND_SECCOMP = 1L << 21;

    /** Stop event of PTRACE_INTERRUPT and of group-stops under PTRACE_SEIZE (status >> 16). */
    int PTRACE_EVENT_STOP = 128;

    // regsets (include/uapi/linux/elf.h)
    int NT_PRSTATUS = 1;
    int NT_ARM_SYSTEM_CALL = 0x404;

    /** waitpid: also wait for threads other than the thread-group leader (clone children). */
    int WALL = 0x40000000;
    int WNOHANG = 1;

    /** PTRACE_SEIZE: attaches without stopping the thread. */
    void seize(int tid, long options) throws ErrnoException;

    /** PTRACE_INTERRUPT: asks a seized thread to stop (reported as PTRACE_EVENT_STOP). */
    void interrupt(int tid) throws ErrnoException;

    /** PTRACE_GETREGSET: the register set {@code nt} of a stopped tracee, as the kernel lays it out. */
    byte[] getRegset(int tid, int nt, int size) throws ErrnoException;

    /** PTRACE_SETREGSET. */
    void setRegset(int tid, int nt, byte[] regs) throws ErrnoException;

    /** Size of siginfo_t, the record of who sent a signal and why (the same on every Linux ABI). */
    int SIGINFO_SIZE = 128;

    /** PTRACE_GETSIGINFO: the siginfo_t of the signal that brought the tracee to its signal-delivery-stop. */
    byte[] getSiginfo(int tid) throws ErrnoException;

    /**
     * PTRACE_SETSIGINFO: the siginfo_t that a signal given to the next restart from this
     * signal-delivery-stop carries (when its si_signo is that signal), in place of the
     * tracer-sent SI_USER record the kernel would make up.
     */
    void setSiginfo(int tid, byte[] siginfo) throws ErrnoException;

    /** PTRACE_SINGLESTEP, delivering {@code signal} (0 for none). */
    void singleStep(int tid, int signal) throws ErrnoException;

    /** PTRACE_CONT, delivering {@code signal} (0 for none). */
    void cont(int tid, int signal) throws ErrnoException;

    /** PTRACE_DETACH, delivering {@code signal} (0 for none); the tracee must be stopped. */
    void detach(int tid, int signal) throws ErrnoException;

    /**
     * waitpid(2) for exactly {@code tid} with __WALL and {@code flags}; null when WNOHANG found
     * nothing to report.
     */
    WaitStatus waitpid(int tid, int flags) throws ErrnoException;

    /** process_vm_readv(2): {@code length} bytes at {@code address} in process {@code pid}. */
    byte[] readMemory(int pid, long address, int length) throws ErrnoException;

    /** process_vm_writev(2): writes all of {@code bytes} at {@code address} in process {@code pid}. */
    void writeMemory(int pid, long address, byte[] bytes) throws ErrnoException;

    /** tgkill(2): sends {@code signal} to thread {@code tid} of thread group {@code tgid}. */
    void tgkill(int tgid, int tid, int signal) throws ErrnoException;

    /**
     * rt_tgsigqueueinfo(2): queues {@code signal} to a thread with the given siginfo_t. From
     * another process the kernel accepts only a negative si_code other than SI_TKILL (what
     * sigqueue, POSIX timers, message queues and AIO send); EPERM otherwise.
     */
    void queueSignal(int tgid, int tid, int signal, byte[] siginfo) throws ErrnoException;

    /** The implementation for this machine, loaded once. */
    static PtraceCalls get() {
        return JnaPtraceCalls.INSTANCE;
    }
}
