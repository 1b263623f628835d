package io.livetune.executor.inject;

import io.livetune.executor.inject.InjectionException.Kind;
import io.livetune.executor.nativeio.Architecture;
import io.livetune.executor.nativeio.Capability;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcStatus;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.procfs.PtraceAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The remote-syscall engine: runs system calls inside a live process with ptrace, the Linux
 * counterpart of Solaris libproc's Psyscall.
 *
 * <p>One injection: checks that nobody else traces the thread and finds a syscall
 * instruction to borrow (before touching anything), then on the {@link TracerThread}:
 * PTRACE_SEIZE (suspending a seccomp filter where there is one), PTRACE_INTERRUPT, save the
 * registers, run each call by pointing the thread at the instruction and single-stepping it,
 * then put back every register and stack byte, re-send held signals and PTRACE_DETACH, on
 * every path. Only the chosen thread stops; the others keep running.
 *
 * <p>Injected calls must be raw system calls that cannot block for long (mlockall, mlock,
 * setsockopt...): the thread stays stopped for the call's own duration.
 */
public final class Injector implements AutoCloseable {
    /** Time limits, in milliseconds. */
    public static final class Limits {
        /** For the thread to reach its ptrace-stop after PTRACE_INTERRUPT. */
        final long stopMillis;
        /** For one injected call (mlockall of a large process populates every page). */
        final long callMillis;

        public Limits(long stopMillis, long callMillis) {
            this.stopMillis = stopMillis;
            this.callMillis = callMillis;
        }

        public static Limits defaults() {
            return new Limits(5_000, 60_000);
        }
    }

    /** Capability bits (include/uapi/linux/capability.h). */
    private static final int CAP_SYS_ADMIN = 21;
    /** How long to wait for another livetune run that holds the same thread. */
    private static final long OTHER_LIVETUNE_WAIT_MILLIS = 5_000;

    private final PtraceCalls ptrace;
    private final ProcFs proc;
    private final RegisterLayout layout;
    private final Limits limits;
    private final Map<String, SyscallSite> sites = new ConcurrentHashMap<>();
    private TracerThread tracer = new TracerThread();

    /** @throws InjectionException on a machine where the engine has not run its suites (PtraceEngineGate) */
    public Injector() throws InjectionException {
        this(Limits.defaults());
    }

    /** @throws InjectionException on a machine where the engine has not run its suites (PtraceEngineGate) */
    public Injector(Limits limits) throws InjectionException {
        this(PtraceCalls.get(), new ProcFs(), RegisterLayout.of(PtraceEngineGate.require(Architecture.current())),
                limits);
    }

    Injector(PtraceCalls ptrace, ProcFs proc, RegisterLayout layout, Limits limits) {
        this.ptrace = ptrace;
        this.proc = proc;
        this.layout = layout;
        this.limits = limits;
    }

    /** Runs one system call in process {@code pid}; returns its raw result (-errno on failure). */
    public long call(int pid, Syscall call, long... args) throws InjectionException, IOException {
        return inject(pid, calls -> calls.call(call, args));
    }

    /**
     * Stops one thread of {@code pid} (the main thread unless it has exited), runs
     * {@code work} while it is stopped, puts everything back and lets it go.
     *
     * @throws ProcessGoneException when the process does not exist before the injection
     * @throws InjectionException   for everything else, with a message for the operator
     */
    public synchronized <T> T inject(int pid, RemoteWork<T> work) throws InjectionException, IOException {
        Deadline waitForOtherLivetune = null;
        long pause = 1;
        for (int attempt = 1; ; attempt++) {
            int tid = chooseThread(pid);
            try {
                return injectInto(pid, tid, work);
            } catch (TracedByAnotherLivetune | TracerEndedMeanwhile e) {
                // Another livetune run (a watch, a parallel play) holds the thread for its own
                // short stop, or the tracer we saw has just let go: wait for the thread to be
                // free rather than fail, within a bound.
                if (waitForOtherLivetune == null) {
                    waitForOtherLivetune = Deadline.in(OTHER_LIVETUNE_WAIT_MILLIS);
                }
                if (waitForOtherLivetune.passed()) {
                    throw e;
                }
                LockSupport.parkNanos(pause * 1_000_000);
                pause = Math.min(pause * 2, 50);
            } catch (ThreadGoneBeforeAttach e) {
                // A worker thread chosen because the main thread has exited may end before we
                // attach to it (a thread pool shrinking): nothing ran, so choose another. The
                // main thread does not end alone, so there its end is the process's.
                if (tid == pid || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private <T> T injectInto(int pid, int tid, RemoteWork<T> work) throws InjectionException, IOException {
        long options = checkThread(pid, tid);
        SyscallSite site = site(pid);
        if (tracer.retired()) {
            tracer = new TracerThread();
        }
        long session = limits.stopMillis + 4 * limits.callMillis; // the watchdog behind the per-step deadlines
        return tracer.call(() -> session(pid, tid, options, site, work, session), session + 5_000);
    }

    private <T> T session(int pid, int tid, long options, SyscallSite site, RemoteWork<T> work, long sessionMillis)
            throws InjectionException {
        Deadline sessionLimit = Deadline.in(sessionMillis);
        Tracee tracee = new Tracee(ptrace, layout, pid, tid);
        try {
            tracee.seize(options);
        } catch (ErrnoException e) {
            throw seizeRefused(pid, tid, options, e);
        }
        InjectionException failure = null;
        try {
            tracee.stop(Deadline.in(limits.stopMillis));
            tracee.save(site, limits.callMillis, sessionLimit);
            return work.run(tracee);
        } catch (InjectionException e) {
            failure = e;
            throw e;
        } catch (RuntimeException e) {
            failure = new InjectionException(Kind.FAILED, "injecting into pid " + pid + ": " + e, e);
            throw failure;
        } finally {
            try {
                tracee.restoreAndDetach();
            } catch (InjectionException restoreFailure) {
                if (failure == null) {
                    throw restoreFailure;
                }
                failure.addSuppressed(restoreFailure);
                if (restoreFailure instanceof TracerThread.StillAttachedException
                        && !(failure instanceof TracerThread.StillAttachedException)) {
                    throw restoreFailure; // more urgent: the tracer thread must end
                }
                // Otherwise the first failure says what happened (a thread that never stopped), and
                // it already makes the tracer thread end.
            }
        }
    }

    /** The main thread, unless it has exited (a zombie leader): then the first live thread. */
    private int chooseThread(int pid) throws IOException {
        ThreadStatus leader = ThreadStatus.read(proc, pid, pid);
        if (!leader.zombie()) {
            return pid;
        }
        List<Integer> tids = new ArrayList<>();
        try (var entries = Files.list(proc.pidDir(pid).resolve("task"))) {
            entries.forEach(entry -> tids.add(Integer.parseInt(entry.getFileName().toString())));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ProcessGoneException(pid);
        }
        for (int tid : tids) {
            try {
                if (!ThreadStatus.read(proc, pid, tid).zombie()) {
                    return tid;
                }
            } catch (ProcessGoneException e) {
                // that thread just exited: try the next
            }
        }
        throw new ProcessGoneException(pid);
    }

    /** Refuses traced and stopped threads; returns the PTRACE_SEIZE options the thread needs. */
    private long checkThread(int pid, int tid) throws IOException, InjectionException {
        if (ProcessInfo.read(proc, pid).ppid() == ProcFs.selfPid()) {
            // Its ptrace stops would also be reported to our own waitpid of it as a parent
            // (java.lang.Process's reaper thread), which would take them from the tracer thread.
            throw new InjectionException(Kind.FAILED, "pid " + pid + " is a child of this executor's own process; "
                    + "livetune does not inject into its own children");
        }
        ThreadStatus status = ThreadStatus.read(proc, pid, tid);
        if (status.tracerPid != 0) {
            throw alreadyTraced(pid, status.tracerPid);
        }
        if (status.stopped()) {
            throw new InjectionException(Kind.STOPPED, "pid " + pid + " is stopped (state T, by SIGSTOP or job "
                    + "control); livetune does not inject into a stopped process: continue it first (kill -CONT " + pid
                    + ")");
        }
        if (status.seccomp == 0) {
            return 0;
        }
        if (!hasCapability(CAP_SYS_ADMIN)) {
            throw new InjectionException(Kind.SECCOMP, "pid " + pid + " runs under a seccomp "
                    + (status.seccomp == 2 ? "filter" : "strict mode") + " (Seccomp: " + status.seccomp + " in /proc/"
                    + pid + "/status) that may kill it for the injected call; suspending it for the injection needs "
                    + "CAP_SYS_ADMIN: run livetune as root (become: true)");
        }
        return PtraceCalls.PTRACE_O_SUSPEND_SECCOMP;
    }

    private InjectionException seizeRefused(int pid, int tid, long options, ErrnoException e) {
        if (e.is(Errno.ESRCH)) {
            return new ThreadGoneBeforeAttach(pid, tid == pid ? "pid " + pid + " exited before livetune could attach"
                    : "thread " + tid + " of pid " + pid + " ended before livetune could attach", e);
        }
        if (e.is(Errno.EPERM)) {
            try {
                ThreadStatus now = ThreadStatus.read(proc, pid, tid);
                if (now.tracerPid != 0) {
                    return alreadyTraced(pid, now.tracerPid);
                }
            } catch (IOException ignored) {
                // fall through to the general advice
            }
            String advice = PtraceAccess.ofThisExecutor(proc).attachRefused(proc.describe(pid));
            return new InjectionException(Kind.NOT_PERMITTED, advice
                    + ((options & PtraceCalls.PTRACE_O_SUSPEND_SECCOMP) != 0 && hasCapability(Capability.CAP_SYS_PTRACE)
                            ? " (or suspending its seccomp filter for the injection is not allowed)" : ""), e);
        }
        return new InjectionException(Kind.FAILED, "cannot attach to pid " + pid + ": " + e.getMessage(), e);
    }

    /** The chosen thread ended before PTRACE_SEIZE: nothing was done to the process. */
    private static final class ThreadGoneBeforeAttach extends InjectionException {
        private static final long serialVersionUID = 1L;

        ThreadGoneBeforeAttach(int pid, String message, Throwable cause) {
            super(Kind.GONE, message, cause);
        }
    }

    private InjectionException alreadyTraced(int pid, int tracerPid) {
        String tracer;
        try {
            ProcessInfo info = ProcessInfo.read(proc, tracerPid);
            tracer = "pid " + tracerPid + " (" + info.name() + (info.argv().isEmpty() ? "" : ": "
                    + abbreviate(info.commandLine())) + ")";
        } catch (ProcessGoneException e) {
            // Gone between our read of TracerPid and of its /proc entry: a livetune run's
            // tracer thread ends with its run (a watch's, at every reading), and whatever it
            // was, it has let go of the thread, so the attach is tried again.
            return new TracerEndedMeanwhile("pid " + pid + " was traced by pid " + tracerPid + ", which ended "
                    + "while livetune looked, again and again for " + OTHER_LIVETUNE_WAIT_MILLIS + " ms; try again");
        } catch (IOException e) {
            tracer = "pid " + tracerPid; // not ours to read (hidepid, another user): named by its pid
        }
        if (tracer.contains("(" + TracerThread.NAME)) {
            return new TracedByAnotherLivetune("pid " + pid + " is being injected into by another livetune run ("
                    + tracer + ") for longer than " + OTHER_LIVETUNE_WAIT_MILLIS + " ms; try again");
        }
        return new InjectionException(Kind.ALREADY_TRACED, "pid " + pid + " is already being traced by " + tracer
                + "; a thread can have only one tracer: detach that debugger or strace first");
    }

    /** The thread's tracer is another livetune executor's tracer thread: a stop that ends soon. */
    private static final class TracedByAnotherLivetune extends InjectionException {
        private static final long serialVersionUID = 1L;

        TracedByAnotherLivetune(String message) {
            super(Kind.ALREADY_TRACED, message);
        }
    }

    /** The thread's tracer ended as we read who it was: the thread is free, or soon taken by another. */
    private static final class TracerEndedMeanwhile extends InjectionException {
        private static final long serialVersionUID = 1L;

        TracerEndedMeanwhile(String message) {
            super(Kind.ALREADY_TRACED, message);
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }

    /** A syscall instruction in the target, remembered per process (and start time, against pid reuse). */
    private SyscallSite site(int pid) throws IOException, InjectionException {
        String key = pid + "@" + ProcessInfo.startTimeOf(proc, pid);
        SyscallSite site = sites.get(key);
        if (site != null && site.stillThere(pid, layout, ptrace)) {
            return site;
        }
        site = SyscallSite.find(pid, layout, ptrace, proc);
        sites.put(key, site);
        return site;
    }

    /** Whether this executor holds capability {@code bit} in its effective set (CapEff in its /proc status). */
    private boolean hasCapability(int bit) {
        try {
            return ProcStatus.of(proc, ProcFs.selfPid()).hasCapability(bit);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void close() {
        tracer.close();
    }
}
