package io.livetune.executor.inject;

import io.livetune.executor.inject.InjectionException.Kind;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.nativeio.WaitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One seized thread of a target, from PTRACE_SEIZE to PTRACE_DETACH. Used only on the
 * {@link TracerThread}. It remembers everything it changes (registers, stack bytes, signals
 * it held back, a single-step trap it may have left queued) so that {@link #restoreAndDetach()}
 * can put it all back.
 *
 * <p>The verbs, in order: {@link #seize}, {@link #stop} and {@link #save} prepare the thread;
 * {@link #call} runs one system call in it (any number of times, with {@link #scratch} memory);
 * {@link #restoreAndDetach} cures it. Where the thread is between them is one {@link State};
 * the thread leaves a stop only through {@link #step()}, {@link #cont(int)} or the detach, and
 * every stop it reaches is read and classified in one place, {@link #poll()}, as a {@link Stop}.
 *
 * <p>Signals: a signal that stops the thread while we wait for our own stop is passed on at
 * once (PTRACE_CONT with it: delivered with its original siginfo), then we interrupt again.
 * A signal that arrives while the injected call runs is held back (the thread must not enter
 * a handler with the injected registers) and delivered as we detach, with its own siginfo:
 * the handler sees the real sender, si_code and value (a POSIX timer's pointer, a child's
 * exit status), not a signal from livetune. None is lost. When more than one arrives within
 * the same injection, the others are queued again: with their siginfo where the kernel lets
 * another process do that (sigqueue, timers, message queues, AIO), otherwise with tgkill, as
 * from us. The rule for each kind of stop met while stepping is {@link #absorb(Stop)}.
 */
final class Tracee implements RemoteCalls {
    private static final int SIGTRAP = 5;
    /** How long {@link #next} polls without sleeping: a stop usually comes within microseconds. */
    private static final long SPIN_NANOS = 2_000_000;
    private static final long FIRST_PARK_NANOS = 10_000;
    private static final long MAX_PARK_NANOS = 100_000;
    /** For the thread to take a single-step trap left queued, once its registers are put back. */
    private static final long DRAIN_MILLIS = 1_000;
    private static final int DRAIN_ATTEMPTS = 8;

    /** Where the thread is, as its tracer sees it. */
    enum State {
        /** Not traced by us: before PTRACE_SEIZE and after PTRACE_DETACH. */
        DETACHED,
        /** Seized and running (after PTRACE_SEIZE, PTRACE_CONT, PTRACE_SINGLESTEP); no stop reported yet. */
        RUNNING,
        /**
         * PTRACE_EVENT_STOP with SIGTRAP: the stop our PTRACE_INTERRUPT asked for. Registers and
         * memory can be worked on; a detach from here delivers no signal.
         */
        INTERRUPT_STOP,
        /**
         * Stopped on the way to deliver a signal, our single step's SIGTRAP included. The restart
         * from here (PTRACE_CONT, PTRACE_SINGLESTEP, PTRACE_DETACH) delivers the signal it names in
         * place of this one, or none.
         */
        SIGNAL_DELIVERY_STOP,
        /** PTRACE_EVENT_STOP with SIGSTOP, SIGTSTP...: someone stopped the process; a detach leaves it stopped. */
        GROUP_STOP,
        /** Exited or killed: nothing to put back, nothing to detach. */
        GONE;

        /** In a ptrace-stop: registers can be read and written, the thread restarted or detached. */
        boolean stopped() {
            return this == INTERRUPT_STOP || this == SIGNAL_DELIVERY_STOP || this == GROUP_STOP;
        }

        /** Traced by us, stopped or not. */
        boolean attached() {
            return this != DETACHED && this != GONE;
        }
    }

    /**
     * One ptrace-stop, as {@link #poll()} classified it.
     *
     * @param kind what the stop is
     * @param status what waitpid reported
     */
    record Stop(Kind kind, WaitStatus status) {
        enum Kind {
            /** PTRACE_EVENT_STOP with SIGTRAP: our PTRACE_INTERRUPT. It carries no signal. */
            INTERRUPT,
            /** PTRACE_EVENT_STOP with a stop signal: a group-stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU). */
            GROUP_STOP,
            /** SIGTRAP at a signal-delivery-stop while our single step's trap is outstanding: that trap. */
            STEP_TRAP,
            /** Any other signal-delivery-stop: a signal on its way to the thread. */
            SIGNAL
        }

        /** The signal that stopped the thread (SIGTRAP for our interrupt and our trap). */
        int signal() {
            return status.stopSignal();
        }

        /**
         * What a ptrace-stop is. PTRACE_SEIZE without PTRACE_O_TRACE* options asks for no other
         * ptrace events, so every event stop is PTRACE_EVENT_STOP; any other would be a stop
         * carrying no signal, like our interrupt.
         */
        static Stop classify(WaitStatus status, boolean stepTrapOutstanding) {
            if (status.event() == 0) {
                return new Stop(status.stopSignal() == SIGTRAP && stepTrapOutstanding ? Kind.STEP_TRAP : Kind.SIGNAL,
                        status);
            }
            if (status.event() == PtraceCalls.PTRACE_EVENT_STOP && status.stopSignal() != SIGTRAP) {
                return new Stop(Kind.GROUP_STOP, status);
            }
            return new Stop(Kind.INTERRUPT, status);
        }

        /** The state the thread is in at this stop. */
        State state() {
            return switch (kind) {
                case INTERRUPT -> State.INTERRUPT_STOP;
                case GROUP_STOP -> State.GROUP_STOP;
                default -> State.SIGNAL_DELIVERY_STOP;
            };
        }

        @Override
        public String toString() {
            return kind + " (" + status + ")";
        }
    }

    private final PtraceCalls ptrace;
    private final RegisterLayout layout;
    private final int pid;
    private final int tid;
    private final List<HeldSignal> heldSignals = new ArrayList<>();
    private final Deque<ScratchWrite> scratchWrites = new ArrayDeque<>();

    private State state = State.DETACHED;
    /**
     * A PTRACE_SINGLESTEP was issued and its SIGTRAP not taken yet: it may still be queued
     * (another stop reached the tracer first). Detached with it queued, the thread would die
     * of it; {@link #drainTrap()} takes it. A fact about the thread's signal queue, not its stop.
     */
    private boolean stepTrapQueued;
    /** The registers hold an injected call's values, not the thread's own: what a failure must report. */
    private boolean registersChanged;
    private byte[] saved;
    private byte[] savedSyscallNumber;
    private long scratchTop;
    private SyscallSite site;
    private Deadline callLimit;
    private long callMillis;

    Tracee(PtraceCalls ptrace, RegisterLayout layout, int pid, int tid) {
        this.ptrace = ptrace;
        this.layout = layout;
        this.pid = pid;
        this.tid = tid;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int tid() {
        return tid;
    }

    State state() {
        return state;
    }

    void seize(long options) throws ErrnoException {
        ptrace.seize(tid, options);
        state = State.RUNNING;
    }

    /** PTRACE_INTERRUPT and wait until the thread is in a ptrace-stop we can work in. */
    void stop(Deadline deadline) throws InjectionException {
        try {
            ptrace.interrupt(tid);
            while (true) {
                Stop stop = next(deadline);
                if (stop == null) {
                    throw new TracerThread.StillAttachedException(Kind.TIMEOUT, "thread " + tid + " of pid " + pid
                            + " did not stop within " + deadline.millis() + " ms (it may be in uninterruptible "
                            + "sleep, state D); nothing was changed", false);
                }
                switch (stop.kind()) {
                    case INTERRUPT:
                        return;
                    case GROUP_STOP:
                        // Someone stopped the process (SIGSTOP, SIGTSTP...); leave it stopped.
                        throw new InjectionException(Kind.STOPPED, "pid " + pid + " was stopped by signal "
                                + stop.signal() + " while livetune attached; it is left stopped and unchanged");
                    default:
                        // A signal-delivery-stop came first; it used up our interrupt. Deliver the
                        // signal as it was meant to be, then ask for the stop again.
                        cont(stop.signal());
                        ptrace.interrupt(tid);
                }
            }
        } catch (ErrnoException e) {
            throw failure("stopping", e);
        }
    }

    void save(SyscallSite site, long callMillis, Deadline sessionLimit) throws InjectionException {
        this.site = site;
        this.callMillis = callMillis;
        this.callLimit = sessionLimit;
        try {
            saved = ptrace.getRegset(tid, PtraceCalls.NT_PRSTATUS, layout.size());
            if (layout.hasSyscallNumberRegset()) {
                savedSyscallNumber = ptrace.getRegset(tid, PtraceCalls.NT_ARM_SYSTEM_CALL, 4);
            }
        } catch (ErrnoException e) {
            if (e.is(Errno.EINVAL)) {
                throw new InjectionException(Kind.FAILED, "pid " + pid + " is not a " + layout.name()
                        + " process (a 32-bit program?); livetune injects only into " + layout.name() + " processes", e);
            }
            throw failure("reading the registers of", e);
        }
        scratchTop = layout.sp(saved) - layout.redZone();
    }

    @Override
    public long call(Syscall call, long... args) throws InjectionException {
        requireStopped();
        long number = layout.syscallNumber(call);
        long after = site.address() + layout.syscallInstruction().length;
        Deadline deadline = Deadline.in(callMillis).min(callLimit);
        try {
            registersChanged = true;
            ptrace.setRegset(tid, PtraceCalls.NT_PRSTATUS, layout.callRegisters(saved, site.address(), number, args));
            if (layout.hasSyscallNumberRegset()) {
                ptrace.setRegset(tid, PtraceCalls.NT_ARM_SYSTEM_CALL, new byte[] {-1, -1, -1, -1});
            }
            while (true) {
                step();
                Stop stop = next(deadline);
                if (stop == null) {
                    throw interruptOverlongCall(call);
                }
                byte[] regs = ptrace.getRegset(tid, PtraceCalls.NT_PRSTATUS, layout.size());
                absorb(stop);
                long pc = layout.pc(regs);
                if (pc == after) {
                    return layout.result(regs); // done; a stop other than our trap is dealt with at detach
                }
                if (pc != site.address()) {
                    throw new InjectionException(Kind.FAILED, "thread " + tid + " of pid " + pid
                            + " stopped at an unexpected address 0x" + Long.toHexString(pc) + " while running "
                            + call.callName() + " (" + stop.status() + ")");
                }
                // Stopped before the instruction ran (a signal, a group-stop): step it again.
            }
        } catch (ErrnoException e) {
            throw failure("running " + call.callName() + " in", e);
        }
    }

    /**
     * The injected call ran past its limit (mlockall of a huge process, or a call that
     * blocks): interrupt it and wait a little more, so that the registers can be put back.
     */
    private InjectionException interruptOverlongCall(Syscall call) throws ErrnoException, InjectionException {
        ptrace.interrupt(tid);
        Stop stop = next(Deadline.in(callMillis));
        if (stop == null) {
            throw new TracerThread.StillAttachedException(Kind.TIMEOUT, call.callName() + " in pid " + pid
                    + " neither finished nor stopped within twice " + callMillis + " ms; livetune could not put its "
                    + "registers back, and detaches it by ending its tracer thread", true);
        }
        absorb(stop);
        return new InjectionException(Kind.TIMEOUT, call.callName() + " in pid " + pid + " did not finish within "
                + callMillis + " ms and was interrupted");
    }

    @Override
    public long scratch(byte[] bytes) throws InjectionException {
        requireStopped();
        long address = (scratchTop - bytes.length) & ~15L; // 16-byte aligned, as the ABIs want for the stack
        int length = (int) (scratchTop - address);
        try {
            byte[] original = ptrace.readMemory(pid, address, length);
            if (original.length != length) {
                throw new InjectionException(Kind.FAILED, "cannot read the stack of pid " + pid + " at 0x"
                        + Long.toHexString(address));
            }
            scratchWrites.push(new ScratchWrite(address, original, scratchTop));
            ptrace.writeMemory(pid, address, bytes);
        } catch (ErrnoException e) {
            throw failure("writing call arguments onto the stack of", e);
        }
        scratchTop = address;
        return address;
    }

    @Override
    public int scratchMark() {
        return scratchWrites.size();
    }

    @Override
    public void release(int mark) throws InjectionException {
        requireStopped();
        try {
            while (scratchWrites.size() > mark) {
                ScratchWrite write = scratchWrites.pop();
                ptrace.writeMemory(pid, write.address(), write.original());
                scratchTop = write.previousTop();
            }
        } catch (ErrnoException e) {
            throw failure("restoring the stack of", e);
        }
    }

    @Override
    public byte[] read(long address, int length) throws InjectionException {
        try {
            return ptrace.readMemory(pid, address, length);
        } catch (ErrnoException e) {
            throw failure("reading the memory of", e);
        }
    }

    /**
     * Puts back the stack bytes and registers, re-sends held signals and detaches. A no-op
     * when not attached. When the thread is attached but not stopped (it never stopped),
     * only ending the tracer thread can release it: that is what the exception asks for.
     */
    void restoreAndDetach() throws InjectionException {
        if (!state.attached()) {
            return;
        }
        if (!state.stopped()) {
            throw new TracerThread.StillAttachedException(Kind.FAILED, "thread " + tid + " of pid " + pid
                    + " is attached but not stopped", registersChanged);
        }
        try {
            while (!scratchWrites.isEmpty()) {
                ScratchWrite write = scratchWrites.pop();
                ptrace.writeMemory(pid, write.address(), write.original());
            }
            if (saved != null) {
                ptrace.setRegset(tid, PtraceCalls.NT_PRSTATUS, saved);
                if (savedSyscallNumber != null) {
                    ptrace.setRegset(tid, PtraceCalls.NT_ARM_SYSTEM_CALL, savedSyscallNumber);
                }
                registersChanged = false;
            }
            if (stepTrapQueued) {
                drainTrap();
            }
            // At a signal-delivery-stop, detach delivers a signal in place of the one that stopped the
            // thread (our SIGTRAP): the first held signal goes that way, with its siginfo put back
            // (otherwise the kernel makes one up: SI_USER from the tracer). Any others are queued again.
            int onDetach = 0;
            if (state == State.SIGNAL_DELIVERY_STOP && !heldSignals.isEmpty()) {
                HeldSignal first = heldSignals.remove(0);
                if (first.siginfo() != null) {
                    ptrace.setSiginfo(tid, first.siginfo());
                }
                onDetach = first.signal();
            }
            for (HeldSignal other : heldSignals) {
                if (other.queueableWithSiginfo()) {
                    ptrace.queueSignal(pid, tid, other.signal(), other.siginfo());
                } else {
                    ptrace.tgkill(pid, tid, other.signal());
                }
            }
            ptrace.detach(tid, onDetach);
            state = State.DETACHED;
        } catch (ErrnoException e) {
            throw failure("restoring", e);
        }
    }

    /**
     * The last call ended at some other stop than its single-step SIGTRAP (a group-stop or
     * our interrupt got there first), so that SIGTRAP may still be queued: detached, the
     * thread would die of it. With the saved registers back in place, step once more: a
     * queued SIGTRAP stops the thread before any instruction runs; if none was queued, the
     * thread runs one of its own instructions, as it would have anyway. Either way the trap
     * is taken here, not by the target.
     */
    private void drainTrap() throws ErrnoException, InjectionException {
        for (int attempt = 0; attempt < DRAIN_ATTEMPTS && stepTrapQueued; attempt++) {
            step();
            Stop stop = next(Deadline.in(DRAIN_MILLIS));
            if (stop == null) {
                ptrace.interrupt(tid);
                stop = next(Deadline.in(DRAIN_MILLIS));
                if (stop == null) {
                    throw new TracerThread.StillAttachedException(Kind.FAILED, "thread " + tid + " of pid " + pid
                            + " did not stop again after its registers were put back", false);
                }
            }
            absorb(stop);
        }
    }

    /**
     * The one rule for a stop met while our single step is outstanding: our trap is taken
     * (the thread never sees it); a signal is held back with its siginfo, to be delivered at
     * detach; a group-stop's signal is held too (a group-stop has no siginfo to keep), so that
     * the process still stops once we let go; our interrupt carries no signal.
     */
    private void absorb(Stop stop) throws ErrnoException {
        switch (stop.kind()) {
            case STEP_TRAP:
                stepTrapQueued = false;
                break;
            case SIGNAL:
                heldSignals.add(new HeldSignal(stop.signal(), ptrace.getSiginfo(tid)));
                break;
            case GROUP_STOP:
                heldSignals.add(new HeldSignal(stop.signal(), null));
                break;
            default:
                break;
        }
    }

    /** PTRACE_SINGLESTEP from the current stop: runs one instruction, then a SIGTRAP stops the thread. */
    private void step() throws ErrnoException {
        ptrace.singleStep(tid, 0);
        state = State.RUNNING;
        stepTrapQueued = true;
    }

    /** PTRACE_CONT from the current stop, delivering {@code signal} (0 for none). */
    private void cont(int signal) throws ErrnoException {
        ptrace.cont(tid, signal);
        state = State.RUNNING;
    }

    /**
     * Work on the thread's registers or stack is only safe while it is stopped: a thread
     * that runs uses its stack. After a failure that left it running or gone, say so
     * instead of touching it.
     */
    private void requireStopped() throws InjectionException {
        if (state == State.GONE) {
            throw new InjectionException(Kind.GONE, "pid " + pid + " exited while livetune was injecting into it",
                    null, registersChanged);
        }
        if (!state.stopped()) {
            throw new TracerThread.StillAttachedException(Kind.FAILED, "thread " + tid + " of pid " + pid
                    + " is attached but not stopped", registersChanged);
        }
    }

    /**
     * Waits for the thread's next stop, polling {@link #poll()} so that a deadline can end the
     * wait: spin briefly (a stop usually comes within microseconds), then back off to 0.1 ms
     * ({@link #MAX_PARK_NANOS}). Returns null at the deadline.
     */
    private Stop next(Deadline deadline) throws InjectionException {
        long start = System.nanoTime();
        long park = FIRST_PARK_NANOS;
        while (true) {
            Stop stop = poll();
            if (stop != null) {
                return stop;
            }
            if (deadline.passed()) {
                return null;
            }
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_PARK_NANOS);
            }
        }
    }

    /**
     * The one place that reads what happened to the thread: waitpid(WNOHANG) for exactly this
     * thread. A stop is classified and becomes the state; null when there is nothing to
     * report yet. An exit or kill is a {@link Kind#GONE} failure.
     */
    private Stop poll() throws InjectionException {
        WaitStatus status;
        try {
            status = ptrace.waitpid(tid, PtraceCalls.WNOHANG);
        } catch (ErrnoException e) {
            state = State.GONE;
            throw new InjectionException(Kind.GONE, "pid " + pid + " exited while livetune was injecting into it", e);
        }
        if (status == null) {
            return null;
        }
        if (!status.stopped()) {
            state = State.GONE; // an exited thread is no longer traced
            throw new InjectionException(Kind.GONE, "pid " + pid + " (thread " + tid + ") " + status
                    + " while livetune was injecting into it", null, registersChanged);
        }
        Stop stop = Stop.classify(status, stepTrapQueued);
        state = stop.state();
        return stop;
    }

    private InjectionException failure(String doing, ErrnoException e) {
        if (e.is(Errno.ESRCH)) {
            // ESRCH from ptrace means the thread is gone or not in a ptrace-stop; look which.
            try {
                Stop stop = poll();
                if (stop != null) {
                    absorb(stop); // a stop after all: keep its signal
                }
            } catch (InjectionException | ErrnoException gone) {
                // gone: poll() recorded it (or the stop's siginfo could not be read)
            }
            return new InjectionException(Kind.GONE, "pid " + pid + " exited while livetune was " + doing + " it", e,
                    registersChanged);
        }
        return new InjectionException(Kind.FAILED, doing + " pid " + pid + " (thread " + tid + "): " + e.getMessage(), e,
                registersChanged);
    }

    /** Stack bytes we overwrote with call arguments: where, what was there, and the scratch top before. */
    private record ScratchWrite(long address, byte[] original, long previousTop) {
    }

    /** A signal held back during the injection, and its siginfo_t when the kernel gave us one (else null). */
    private record HeldSignal(int signal, byte[] siginfo) {
        /** siginfo_t starts with int si_signo, int si_errno, int si_code on Linux. */
        private static final int SI_CODE_OFFSET = 8;
        /** tgkill's own si_code, which rt_tgsigqueueinfo refuses from another process. */
        private static final int SI_TKILL = -6;

        /** Whether rt_tgsigqueueinfo from us may re-queue it as it was (see PtraceCalls.queueSignal). */
        boolean queueableWithSiginfo() {
            if (siginfo == null) {
                return false;
            }
            int code = ByteBuffer.wrap(siginfo).order(ByteOrder.nativeOrder()).getInt(SI_CODE_OFFSET);
            return code < 0 && code != SI_TKILL;
        }
    }
}
