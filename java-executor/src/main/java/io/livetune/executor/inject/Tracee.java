package io.livetune.executor.inject;

import io.livetune.executor.inject.InjectionException.Kind;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.nativeio.WaitStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One seized thread of a target, from PTRACE_SEIZE to PTRACE_DETACH. Used only on the
 * {@link TracerThread}. It remembers everything it changes (registers, stack bytes, signals
 * it held back) so that {@link #restoreAndDetach()} can put it all back.
 *
 * <p>Signals: a signal that stops the thread while we wait for our own stop is passed on at
 * once (PTRACE_CONT with it: delivered with its original siginfo), then we interrupt again.
 * A signal that arrives while the injected call runs is held back (the thread must not enter
 * a handler with the injected registers) and delivered as we detach, with its own siginfo:
 * the handler sees the real sender, si_code and value (a POSIX timer's pointer, a child's
 * exit status), not a signal from livetune. None is lost. When more than one arrives within
 * the same injection, the others are queued again: with their siginfo where the kernel lets
 * another process do that (sigqueue, timers, message queues, AIO), otherwise with tgkill, as
 * from us.
 */
final class Tracee implements RemoteCalls {
    private static final int SIGTRAP = 5;
    private static final long SPIN_NANOS = 2_000_000;
    private static final long MAX_PARK_NANOS = 100_000;

    private final PtraceCalls ptrace;
    private final RegisterLayout layout;
    private final int pid;
    private final int tid;
    private final List<HeldSignal> heldSignals = new ArrayList<>();
    private final Deque<ScratchWrite> scratchWrites = new ArrayDeque<>();

    private boolean attached;
    private boolean stopped;
    /** Whether the current stop is a signal-delivery-stop (our single step's SIGTRAP), where detach can deliver a signal. */
    private boolean inSignalDeliveryStop;
    private boolean registersChanged;
    /** A call was started and its single-step SIGTRAP has not been seen yet: it may still be pending. */
    private boolean trapPending;
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

    void seize(long options) throws ErrnoException {
        ptrace.seize(tid, options);
        attached = true;
    }

    /** PTRACE_INTERRUPT and wait until the thread is in a ptrace-stop we can work in. */
    void stop(Deadline deadline) throws InjectionException {
        try {
            ptrace.interrupt(tid);
            while (true) {
                WaitStatus status = await(deadline);
                if (status == null) {
                    throw new TracerThread.StillAttachedException(Kind.TIMEOUT, "thread " + tid + " of pid " + pid
                            + " did not stop within " + deadline.millis() + " ms (it may be in uninterruptible "
                            + "sleep, state D); nothing was changed", false);
                }
                stopped = true;
                inSignalDeliveryStop = status.event() == 0;
                if (status.event() == PtraceCalls.PTRACE_EVENT_STOP) {
                    if (status.stopSignal() == SIGTRAP) {
                        return; // our PTRACE_INTERRUPT
                    }
                    // A group-stop (SIGSTOP, SIGTSTP...): someone stopped the process; leave it stopped.
                    throw new InjectionException(Kind.STOPPED, "pid " + pid + " was stopped by signal "
                            + status.stopSignal() + " while livetune attached; it is left stopped and unchanged");
                }
                // A signal-delivery-stop came first; it used up our interrupt. Deliver the
                // signal as it was meant to be, then ask for the stop again.
                stopped = false;
                ptrace.cont(tid, status.event() == 0 ? status.stopSignal() : 0);
                ptrace.interrupt(tid);
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
        long number = layout.syscallNumber(call);
        long after = site.address() + layout.syscallInstruction().length;
        Deadline deadline = Deadline.in(callMillis).min(callLimit);
        try {
            registersChanged = true;
            ptrace.setRegset(tid, PtraceCalls.NT_PRSTATUS, layout.callRegisters(saved, site.address(), number, args));
            if (layout.hasSyscallNumberRegset()) {
                ptrace.setRegset(tid, PtraceCalls.NT_ARM_SYSTEM_CALL, new byte[] {-1, -1, -1, -1});
            }
            resume();
            trapPending = true;
            while (true) {
                WaitStatus status = await(deadline);
                if (status == null) {
                    throw interruptOverlongCall(call);
                }
                stopped = true;
                inSignalDeliveryStop = status.event() == 0;
                byte[] regs = ptrace.getRegset(tid, PtraceCalls.NT_PRSTATUS, layout.size());
                long pc = layout.pc(regs);
                if (pc == after) {
                    if (status.event() == 0 && status.stopSignal() == SIGTRAP) {
                        trapPending = false; // our single step's trap: the normal end of the call
                    } else if (status.event() == 0 || status.stopSignal() != SIGTRAP) {
                        hold(status); // arrived after the call: deliver it later
                    }
                    return layout.result(regs);
                }
                if (pc != site.address()) {
                    throw new InjectionException(Kind.FAILED, "thread " + tid + " of pid " + pid
                            + " stopped at an unexpected address 0x" + Long.toHexString(pc) + " while running "
                            + call.callName() + " (" + status + ")");
                }
                // Stopped before the instruction ran: a signal to hold back, or a stop to step through.
                if (status.event() == 0) {
                    hold(status);
                } else if (status.stopSignal() != SIGTRAP) {
                    hold(status); // another thread started a group-stop: stop again later
                }
                resume();
            }
        } catch (ErrnoException e) {
            throw failure("running " + call.callName() + " in", e);
        }
    }

    private void resume() throws ErrnoException {
        ptrace.singleStep(tid, 0);
        stopped = false;
    }

    /**
     * The injected call ran past its limit (mlockall of a huge process, or a call that
     * blocks): interrupt it and wait a little more, so that the registers can be put back.
     */
    private InjectionException interruptOverlongCall(Syscall call) throws ErrnoException, InjectionException {
        ptrace.interrupt(tid);
        WaitStatus status = await(Deadline.in(callMillis));
        if (status == null) {
            throw new TracerThread.StillAttachedException(Kind.TIMEOUT, call.callName() + " in pid " + pid
                    + " neither finished nor stopped within twice " + callMillis + " ms; livetune could not put its "
                    + "registers back, and detaches it by ending its tracer thread", true);
        }
        stopped = true;
        inSignalDeliveryStop = status.event() == 0;
        if (status.event() == 0) {
            hold(status);
        }
        return new InjectionException(Kind.TIMEOUT, call.callName() + " in pid " + pid + " did not finish within "
                + callMillis + " ms and was interrupted");
    }

    @Override
    public long scratch(byte[] bytes) throws InjectionException {
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
        try {
            while (scratchWrites.size() > mark) {
                ScratchWrite write = scratchWrites.pop();
                ptrace.writeMemory(pid, write.address, write.original);
                scratchTop = write.previousTop;
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
        if (!attached) {
            return;
        }
        if (!stopped) {
            throw new TracerThread.StillAttachedException(Kind.FAILED, "thread " + tid + " of pid " + pid
                    + " is attached but not stopped", registersChanged);
        }
        try {
            while (!scratchWrites.isEmpty()) {
                ScratchWrite write = scratchWrites.pop();
                ptrace.writeMemory(pid, write.address, write.original);
            }
            if (saved != null) {
                ptrace.setRegset(tid, PtraceCalls.NT_PRSTATUS, saved);
                if (savedSyscallNumber != null) {
                    ptrace.setRegset(tid, PtraceCalls.NT_ARM_SYSTEM_CALL, savedSyscallNumber);
                }
                registersChanged = false;
            }
            if (trapPending) {
                drainTrap();
            }
            // At a signal-delivery-stop, detach delivers a signal in place of the one that stopped the
            // thread (our SIGTRAP): the first held signal goes that way, with its siginfo put back
            // (otherwise the kernel makes one up: SI_USER from the tracer). Any others are queued again.
            int onDetach = 0;
            if (inSignalDeliveryStop && !heldSignals.isEmpty()) {
                HeldSignal first = heldSignals.remove(0);
                if (first.siginfo != null) {
                    ptrace.setSiginfo(tid, first.siginfo);
                }
                onDetach = first.signal;
            }
            for (HeldSignal other : heldSignals) {
                if (other.queueableWithSiginfo()) {
                    ptrace.queueSignal(pid, tid, other.signal, other.siginfo);
                } else {
                    ptrace.tgkill(pid, tid, other.signal);
                }
            }
            ptrace.detach(tid, onDetach);
            attached = false;
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
        for (int attempt = 0; attempt < 8 && trapPending; attempt++) {
            resume();
            WaitStatus status = await(Deadline.in(1_000));
            if (status == null) {
                ptrace.interrupt(tid);
                status = await(Deadline.in(1_000));
                if (status == null) {
                    throw new TracerThread.StillAttachedException(Kind.FAILED, "thread " + tid + " of pid " + pid
                            + " did not stop again after its registers were put back", false);
                }
            }
            stopped = true;
            inSignalDeliveryStop = status.event() == 0;
            if (status.event() == 0 && status.stopSignal() == SIGTRAP) {
                trapPending = false;
            } else if (status.event() == 0 || status.stopSignal() != SIGTRAP) {
                hold(status);
            }
        }
    }

    /**
     * Holds back the signal this stop reports. At a signal-delivery-stop its siginfo is kept
     * too; a group-stop has none to keep.
     */
    private void hold(WaitStatus status) throws ErrnoException {
        heldSignals.add(new HeldSignal(status.stopSignal(), status.event() == 0 ? ptrace.getSiginfo(tid) : null));
    }

    /** Stack bytes we overwrote with call arguments: where, what was there, and the scratch top before. */
    private static final class ScratchWrite {
        final long address;
        final byte[] original;
        final long previousTop;

        ScratchWrite(long address, byte[] original, long previousTop) {
            this.address = address;
            this.original = original;
            this.previousTop = previousTop;
        }
    }

    /** A signal held back during the injection, and its siginfo_t when the kernel gave us one. */
    private static final class HeldSignal {
        /** siginfo_t starts with int si_signo, int si_errno, int si_code on Linux. */
        private static final int SI_CODE_OFFSET = 8;
        /** tgkill's own si_code, which rt_tgsigqueueinfo refuses from another process. */
        private static final int SI_TKILL = -6;

        final int signal;
        final byte[] siginfo;

        HeldSignal(int signal, byte[] siginfo) {
            this.signal = signal;
            this.siginfo = siginfo;
        }

        /** Whether rt_tgsigqueueinfo from us may re-queue it as it was (see PtraceCalls.queueSignal). */
        boolean queueableWithSiginfo() {
            if (siginfo == null) {
                return false;
            }
            int code = java.nio.ByteBuffer.wrap(siginfo).order(java.nio.ByteOrder.nativeOrder()).getInt(SI_CODE_OFFSET);
            return code < 0 && code != SI_TKILL;
        }
    }

    /**
     * waitpid for exactly this thread, polling (WNOHANG) so that a deadline can end the
     * wait: spin briefly (a stop usually comes within microseconds), then back off to 1 ms.
     * Returns null at the deadline. An exit or kill is a {@link Kind#GONE} failure.
     */
    private WaitStatus await(Deadline deadline) throws InjectionException {
        long start = System.nanoTime();
        long park = 10_000;
        while (true) {
            WaitStatus status;
            try {
                status = ptrace.waitpid(tid, PtraceCalls.WNOHANG);
            } catch (ErrnoException e) {
                attached = false;
                stopped = false;
                throw new InjectionException(Kind.GONE, "pid " + pid + " exited while livetune was injecting into it",
                        e);
            }
            if (status != null) {
                if (!status.stopped()) {
                    attached = false; // an exited thread is no longer traced
                    stopped = false;
                    throw new InjectionException(Kind.GONE, "pid " + pid + " (thread " + tid + ") " + status
                            + " while livetune was injecting into it", null, registersChanged);
                }
                return status;
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

    private InjectionException failure(String doing, ErrnoException e) {
        if (e.is(Errno.ESRCH)) {
            // ESRCH from ptrace means the thread is gone or not in a ptrace-stop; check which.
            try {
                WaitStatus status = ptrace.waitpid(tid, PtraceCalls.WNOHANG);
                if (status != null && !status.stopped()) {
                    attached = false;
                    stopped = false;
                }
            } catch (ErrnoException gone) {
                attached = false;
                stopped = false;
            }
            return new InjectionException(Kind.GONE, "pid " + pid + " exited while livetune was " + doing + " it", e,
                    registersChanged);
        }
        return new InjectionException(Kind.FAILED, doing + " pid " + pid + " (thread " + tid + "): " + e.getMessage(), e,
                registersChanged);
    }
}
