package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.nativeio.WaitStatus;
import io.livetune.executor.procfs.ProcFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's ptrace conversation, call by call, against a scripted {@link PtraceCalls}
 * and a /proc tree in a temporary directory: every kind of stop, signals held and
 * re-delivered, a thread that exits, deadlines that pass. Each test's script is the exact
 * sequence of calls the engine must make, from PTRACE_SEIZE to PTRACE_DETACH; the fake fails
 * on any other. The integration tests (it.InjectionSafetyTest, HeldSignalTest...) check
 * the same promises against real processes and kernels.
 */
class InjectorScriptTest {
    static final int PID = 4242;
    static final int TID = PID; // the main thread
    static final int SIGHUP = 1;
    static final int SIGKILL = 9;
    static final int SIGTRAP = 5;
    static final int SIGUSR1 = 10;
    static final int SIGUSR2 = 12;
    static final int SIGSTOP = 19;
    static final int SI_USER = 0;
    static final int SI_QUEUE = -1;
    static final int SI_TKILL = -6;
    static final int CAP_SYS_PTRACE = 19;
    static final int CAP_SYS_ADMIN = 21;

    static final long VDSO = 0x7ffd12340000L;
    static final int VDSO_SIZE = 0x2000;
    static final long SITE = VDSO + 0x10;
    static final long THREAD_PC = 0x55d0c0a03000L;
    static final long THREAD_SP = 0x7ffc00010000L;

    static final RegisterLayout X86 = X86_64Registers.INSTANCE;

    @TempDir
    Path root;
    final ScriptedPtrace ptrace = new ScriptedPtrace();
    Injector injector;

    /** The registers the thread had when it stopped. */
    byte[] saved;
    /** The registers for getpid at the site. */
    byte[] getpid;
    /** After getpid's single step: one instruction further, the pid in rax. */
    byte[] getpidDone;

    @BeforeEach
    void aSleepingProcess() throws IOException {
        process("S (sleeping)", 0, capabilities(CAP_SYS_PTRACE, CAP_SYS_ADMIN));
        saved = ptrace.name("saved registers", x86Registers(THREAD_PC, THREAD_SP, -4 /* -EINTR */, 230));
        getpid = ptrace.name("getpid registers", X86.callRegisters(saved, SITE, 39));
        getpidDone = ptrace.name("getpid done", withPcAndResult(X86, getpid, SITE + 2, PID));
        useInjector(X86, 2_000, 2_000);
    }

    private void useInjector(RegisterLayout layout, long stopMillis, long callMillis) {
        if (injector != null) {
            injector.close();
        }
        injector = new Injector(ptrace, new ProcFs(root), layout, new Injector.Limits(stopMillis, callMillis));
    }

    @AfterEach
    void closeInjector() {
        injector.close();
    }

    @Test
    void ourInterruptComesFirstAndEverythingIsPutBack() throws Exception {
        siteLookup();
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0);

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aSignalBeforeOurInterruptIsPassedOnAndTheStopAskedForAgain() throws Exception {
        siteLookup();
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGUSR1))
                .then("cont", TID, SIGUSR1) // delivered now, as it was sent
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0);

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aGroupStopIsRefusedAndTheProcessLeftStoppedAndUnchanged() throws Exception {
        siteLookup();
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(groupStop(SIGSTOP))
                .then("detach", TID, 0); // from a group-stop: it stays stopped

        InjectionException refused = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.STOPPED, refused.kind());
        assertEquals("pid " + PID + " was stopped by signal " + SIGSTOP
                + " while livetune attached; it is left stopped and unchanged", refused.getMessage());
        assertFalse(refused.targetLeftChanged());
        ptrace.assertDone();
    }

    @Test
    void aSignalArrivingDuringTheCallIsHeldAndDeliveredAtDetachWithItsSiginfo() throws Exception {
        byte[] sigqueued = ptrace.name("siginfo SIGUSR1 from sigqueue", siginfo(SIGUSR1, SI_QUEUE));
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGUSR1))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpid) // still at the site
                .expect("getSiginfo", TID).returns(sigqueued)
                .then("singleStep", TID, 0) // the signal held back, not delivered
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("setSiginfo", TID, sigqueued)
                .then("detach", TID, SIGUSR1); // delivered in place of our SIGTRAP, as sigqueue sent it

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aSecondHeldSignalThatCarriesAValueIsQueuedAgainWithItsSiginfo() throws Exception {
        byte[] first = ptrace.name("siginfo SIGUSR1 from sigqueue", siginfo(SIGUSR1, SI_QUEUE));
        byte[] second = ptrace.name("siginfo SIGUSR2 from sigqueue", siginfo(SIGUSR2, SI_QUEUE));
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGUSR1))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpid)
                .expect("getSiginfo", TID).returns(first)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGUSR2))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpid)
                .expect("getSiginfo", TID).returns(second)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("setSiginfo", TID, first)
                .then("queueSignal", PID, TID, SIGUSR2, second) // rt_tgsigqueueinfo: si_code SI_QUEUE is allowed
                .then("detach", TID, SIGUSR1);

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void furtherHeldSignalsSentByKillOrTgkillAreSentAgainWithTgkill() throws Exception {
        byte[] first = ptrace.name("siginfo SIGUSR1 from sigqueue", siginfo(SIGUSR1, SI_QUEUE));
        byte[] killed = ptrace.name("siginfo SIGUSR2 from kill", siginfo(SIGUSR2, SI_USER));
        byte[] tkilled = ptrace.name("siginfo SIGHUP from tgkill", siginfo(SIGHUP, SI_TKILL));
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid);
        for (Object[] signal : new Object[][] {{SIGUSR1, first}, {SIGUSR2, killed}, {SIGHUP, tkilled}}) {
            ptrace.then("singleStep", TID, 0)
                    .expect("waitpid", TID, "WNOHANG").returns(signalStop((Integer) signal[0]))
                    .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpid)
                    .expect("getSiginfo", TID).returns(signal[1]);
        }
        ptrace.then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("setSiginfo", TID, first)
                .then("tgkill", PID, TID, SIGUSR2) // rt_tgsigqueueinfo refuses SI_USER from another process
                .then("tgkill", PID, TID, SIGHUP) // ... and SI_TKILL
                .then("detach", TID, SIGUSR1);

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aGroupStopAfterTheCallRanIsHeldAndTheTrapStillQueuedIsTakenBeforeDetaching() throws Exception {
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(groupStop(SIGSTOP)) // another thread got SIGSTOP
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone) // the call ran
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("singleStep", TID, 0) // with its own registers: takes our queued SIGTRAP
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .then("detach", TID, SIGSTOP); // and joins the group-stop once let go

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aTrapLeftQueuedByOneCallIsTakenByTheNextAndNeverReachesTheTarget() throws Exception {
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(groupStop(SIGSTOP)) // before our trap
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                // the second call: the first call's SIGTRAP comes before its instruction runs
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, SIGSTOP); // the group-stop's signal; no SIGTRAP, which would kill it

        long both = injector.inject(PID, calls -> calls.call(Syscall.GETPID) + calls.call(Syscall.GETPID));
        assertEquals(2L * PID, both);
        ptrace.assertDone();
    }

    @Test
    void aCallThatFinishesJustAsItIsInterruptedLeavesNoTrapToDeliver() throws Exception {
        useInjector(X86, 2_000, 50);
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP)) // our trap, not the interrupt
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0); // SIGTRAP taken: nothing to step through, nothing to deliver

        InjectionException timeout = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.TIMEOUT, timeout.kind());
        ptrace.assertDone();
    }

    @Test
    void theThreadKilledDuringTheCallIsAClearErrorAndNothingMoreIsTried() throws Exception {
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(new WaitStatus(TID, SIGKILL)); // killed: nothing to restore

        InjectionException gone = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.GONE, gone.kind());
        assertEquals("pid " + PID + " (thread " + TID + ") killed by signal 9 while livetune was injecting into it",
                gone.getMessage());
        assertTrue(gone.targetLeftChanged(), "it died with the injected registers");
        ptrace.assertDone();
    }

    @Test
    void theThreadExitingBeforeItStopsIsAClearErrorWithNothingChanged() throws Exception {
        siteLookup();
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(new WaitStatus(TID, 3 << 8)); // exit(3)

        InjectionException gone = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.GONE, gone.kind());
        assertEquals("pid " + PID + " (thread " + TID + ") exited with status 3 while livetune was injecting into it",
                gone.getMessage());
        assertFalse(gone.targetLeftChanged());
        ptrace.assertDone();
    }

    @Test
    void aPtraceCallRefusedBecauseTheThreadDiedSaysSo() throws Exception {
        siteLookup();
        attachAndStop();
        ptrace.expect("setRegset", TID, "NT_PRSTATUS", getpid).fails(Errno.ESRCH)
                .expect("waitpid", TID, "WNOHANG").returns(new WaitStatus(TID, SIGKILL)); // ESRCH: gone, or not stopped?

        InjectionException gone = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.GONE, gone.kind());
        assertEquals("pid " + PID + " exited while livetune was running getpid in it", gone.getMessage());
        ptrace.assertDone();
    }

    @Test
    void aThreadThatNeverStopsTimesOutUnchangedAndItsTracerThreadIsEnded() throws Exception {
        useInjector(X86, 50, 2_000);
        siteLookup();
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null);

        InjectionException timeout = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertInstanceOf(TracerThread.StillAttachedException.class, timeout, "only ending the tracer thread detaches it");
        assertEquals(InjectionException.Kind.TIMEOUT, timeout.kind());
        assertTrue(timeout.getMessage().contains("did not stop within 50 ms"), timeout.getMessage());
        assertFalse(timeout.targetLeftChanged());
        ptrace.assertDone(); // no detach: a running tracee cannot be detached

        // The next injection gets a new tracer thread; the site found before is checked, not searched again.
        ptrace.expect("readMemory", PID, SITE, 2).returns(new byte[] {0x0f, 0x05});
        attachAndStop();
        getpidThenDetach();
        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    @Test
    void aCallThatDoesNotFinishInTimeIsInterruptedAndEverythingPutBack() throws Exception {
        useInjector(X86, 2_000, 50);
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("singleStep", TID, 0) // the step's trap may still be queued: take it
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .then("detach", TID, 0);

        InjectionException timeout = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.TIMEOUT, timeout.kind());
        assertEquals("getpid in pid " + PID + " did not finish within 50 ms and was interrupted", timeout.getMessage());
        assertFalse(timeout.targetLeftChanged());
        ptrace.assertDone();
    }

    @Test
    void aCallThatNeitherFinishesNorStopsEndsTheTracerThreadAndSaysTheTargetIsChanged() throws Exception {
        useInjector(X86, 2_000, 50);
        siteLookup();
        attachAndStop();
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null);

        InjectionException timeout = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertInstanceOf(TracerThread.StillAttachedException.class, timeout);
        assertEquals(InjectionException.Kind.TIMEOUT, timeout.kind());
        assertTrue(timeout.getMessage().startsWith("getpid in pid " + PID + " neither finished nor stopped within "
                + "twice 50 ms"), timeout.getMessage());
        assertTrue(timeout.targetLeftChanged(), "its registers could not be put back");
        ptrace.assertDone();
    }

    @Test
    void stackBytesUnderCallArgumentsArePutBackWhenTheWorkFails() throws Exception {
        long scratchAt = (THREAD_SP - 128 - 4) & ~15L; // below the red zone, 16-byte aligned
        int length = (int) (THREAD_SP - 128 - scratchAt);
        byte[] original = ptrace.name("the thread's stack bytes", filled(length, (byte) 0x5a));
        byte[] argument = ptrace.name("argument", new byte[] {1, 2, 3, 4});
        siteLookup();
        attachAndStop();
        ptrace.expect("readMemory", PID, scratchAt, length).returns(original)
                .then("writeMemory", PID, scratchAt, argument)
                .then("writeMemory", PID, scratchAt, original)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0);

        InjectionException failed = assertThrows(InjectionException.class, () -> injector.inject(PID, calls -> {
            assertEquals(scratchAt, calls.scratch(argument));
            throw new IllegalStateException("the work's own bug");
        }));
        assertEquals(InjectionException.Kind.FAILED, failed.kind());
        assertTrue(failed.getMessage().contains("the work's own bug"), failed.getMessage());
        ptrace.assertDone();
    }

    @Test
    void underSeccompWithCapSysAdminTheFilterIsSuspendedForTheInjection() throws Exception {
        process("S (sleeping)", 2, capabilities(CAP_SYS_PTRACE, CAP_SYS_ADMIN));
        siteLookup();
        ptrace.then("seize", TID, PtraceCalls.PTRACE_O_SUSPEND_SECCOMP)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0);

        assertEquals("nothing", injector.inject(PID, calls -> "nothing"));
        ptrace.assertDone();
    }

    @Test
    void underSeccompWithoutCapSysAdminNothingIsTouched() throws Exception {
        process("S (sleeping)", 2, capabilities(CAP_SYS_PTRACE)); // the capabilities come from the ProcFs given

        InjectionException refused = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.SECCOMP, refused.kind());
        assertTrue(refused.getMessage().contains("needs CAP_SYS_ADMIN"), refused.getMessage());
        ptrace.assertDone(); // not one ptrace call
    }

    @Test
    void aThreadThatADebuggerTracesIsRefusedAtOnceNamingTheDebugger() throws Exception {
        tracedBy(777);
        tracer(777, "strace", "strace\0-p\0" + PID + "\0");

        InjectionException refused = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.ALREADY_TRACED, refused.kind());
        assertEquals("pid " + PID + " is already being traced by pid 777 (strace: strace -p " + PID + "); a thread "
                + "can have only one tracer: detach that debugger or strace first", refused.getMessage());
        ptrace.assertDone(); // not one ptrace call
    }

    /**
     * The tracer seen in TracerPid has no /proc entry any more by the time livetune reads who
     * it was: another livetune run's tracer thread ends with its run (a watch's, at every
     * reading). It let go of the thread, so livetune waits and attaches, rather than blaming
     * a debugger that is not there.
     */
    @Test
    void aTracerThatEndedAsItWasLookedUpIsWaitedOutNotBlamed() throws Exception {
        tracedBy(777); // and no /proc/777
        siteLookup();
        attachAndStop();
        getpidThenDetach();

        CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> {
            try {
                return injector.call(PID, Syscall.GETPID);
            } catch (InjectionException | IOException e) {
                throw new CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!call.isDone() && !InjectorWaits.anyWaiting() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        assertFalse(call.isDone(), () -> "waited for the thread, not refused: " + call.handle((v, e) -> v + " " + e).join());
        tracedBy(0);
        assertEquals(PID, call.get(20, TimeUnit.SECONDS));
        ptrace.assertDone();
    }

    @Test
    void aRefusedSeizeWithoutCapSysPtraceAdvisesRoot() throws Exception {
        process("S (sleeping)", 0, capabilities());
        siteLookup();
        ptrace.expect("seize", TID, 0L).fails(Errno.EPERM);

        InjectionException refused = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.NOT_PERMITTED, refused.kind());
        assertTrue(refused.getMessage().startsWith("permission denied") && refused.getMessage().contains("pid " + PID)
                && refused.getMessage().contains("3".equals(yamaScope()) ? "kernel.yama.ptrace_scope is 3"
                        : "run the task as root (become: true)"), refused.getMessage());
        ptrace.assertDone();
    }

    @Test
    void aRefusedSeizeWithCapSysPtraceBlamesASecurityModule() throws Exception {
        siteLookup();
        ptrace.expect("seize", TID, 0L).fails(Errno.EPERM);

        InjectionException refused = assertThrows(InjectionException.class, () -> injector.call(PID, Syscall.GETPID));
        assertEquals(InjectionException.Kind.NOT_PERMITTED, refused.kind());
        // kernel.yama.ptrace_scope 1 and 2 let CAP_SYS_PTRACE through; 3 refuses it as well
        assertTrue(refused.getMessage().contains("3".equals(yamaScope()) ? "kernel.yama.ptrace_scope is 3"
                : "even with CAP_SYS_PTRACE: "), refused.getMessage());
        ptrace.assertDone();
    }

    @Test
    void onAarch64TheInterruptedCallsNumberIsSetAsideAndPutBack() throws Exception {
        RegisterLayout arm = Aarch64Registers.INSTANCE;
        useInjector(arm, 2_000, 2_000);
        byte[] armSaved = new byte[arm.size()];
        RegisterBytes.put(armSaved, Aarch64Registers.PC, THREAD_PC);
        RegisterBytes.put(armSaved, Aarch64Registers.SP, THREAD_SP);
        ptrace.name("saved registers", armSaved);
        byte[] armGetpid = ptrace.name("getpid registers", arm.callRegisters(armSaved, SITE, 172));
        byte[] armDone = ptrace.name("getpid done", withPcAndResult(arm, armGetpid, SITE + 4, PID));
        byte[] interruptedCall = ptrace.name("nanosleep's number", new byte[] {101, 0, 0, 0});
        byte[] noCall = ptrace.name("no call (-1)", new byte[] {-1, -1, -1, -1});

        ptrace.expect("readMemory", PID, VDSO, VDSO_SIZE).returns(vdsoText(new byte[] {1, 0, 0, (byte) 0xd4}))
                .then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", arm.size()).returns(armSaved)
                .expect("getRegset", TID, "NT_ARM_SYSTEM_CALL", 4).returns(interruptedCall)
                .then("setRegset", TID, "NT_PRSTATUS", armGetpid)
                .then("setRegset", TID, "NT_ARM_SYSTEM_CALL", noCall)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", arm.size()).returns(armDone)
                .then("setRegset", TID, "NT_PRSTATUS", armSaved)
                .then("setRegset", TID, "NT_ARM_SYSTEM_CALL", interruptedCall)
                .then("detach", TID, 0);

        assertEquals(PID, injector.call(PID, Syscall.GETPID));
        ptrace.assertDone();
    }

    // --- the script's common parts ---

    /** The engine looks for a syscall instruction in the vdso (0f 05 at SITE) before it attaches. */
    private void siteLookup() {
        ptrace.expect("readMemory", PID, VDSO, VDSO_SIZE).returns(vdsoText(new byte[] {0x0f, 0x05}));
    }

    /** In our stop: getpid at the site, single-stepped, the registers put back, detached. */
    private void getpidThenDetach() {
        ptrace.then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("detach", TID, 0);
    }

    /** PTRACE_SEIZE, PTRACE_INTERRUPT, our stop, the registers saved. */
    private void attachAndStop() {
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved);
    }

    private byte[] vdsoText(byte[] instruction) {
        byte[] text = new byte[VDSO_SIZE];
        System.arraycopy(instruction, 0, text, (int) (SITE - VDSO), instruction.length);
        return ptrace.name("vdso text", text);
    }

    // --- what waitpid reports (the W* macros of <sys/wait.h>) ---

    static WaitStatus interruptStop() {
        return new WaitStatus(TID, 0x7f | SIGTRAP << 8 | PtraceCalls.PTRACE_EVENT_STOP << 16);
    }

    static WaitStatus groupStop(int signal) {
        return new WaitStatus(TID, 0x7f | signal << 8 | PtraceCalls.PTRACE_EVENT_STOP << 16);
    }

    static WaitStatus signalStop(int signal) {
        return new WaitStatus(TID, 0x7f | signal << 8);
    }

    /** siginfo_t: si_signo, si_errno, si_code, then the sender's fields (left zero here). */
    static byte[] siginfo(int signal, int code) {
        return ByteBuffer.allocate(PtraceCalls.SIGINFO_SIZE).order(ByteOrder.nativeOrder())
                .putInt(0, signal).putInt(8, code).array();
    }

    // --- the fake target ---

    static byte[] x86Registers(long pc, long sp, long rax, long origRax) {
        byte[] regs = new byte[X86.size()];
        RegisterBytes.put(regs, X86_64Registers.RIP, pc);
        RegisterBytes.put(regs, X86_64Registers.RSP, sp);
        RegisterBytes.put(regs, X86_64Registers.RAX, rax);
        RegisterBytes.put(regs, X86_64Registers.ORIG_RAX, origRax);
        return regs;
    }

    static byte[] withPcAndResult(RegisterLayout layout, byte[] regs, long pc, long result) {
        byte[] after = regs.clone();
        RegisterBytes.put(after, layout == X86 ? X86_64Registers.RIP : Aarch64Registers.PC, pc);
        RegisterBytes.put(after, layout == X86 ? X86_64Registers.RAX : Aarch64Registers.X0, result);
        return after;
    }

    static byte[] filled(int length, byte value) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, value);
        return bytes;
    }

    static String capabilities(int... bits) {
        long mask = 0;
        for (int bit : bits) {
            mask |= 1L << bit;
        }
        return String.format("%016x", mask);
    }

    /**
     * /proc for the target (one thread, parent pid 1, its vdso) and for this executor (its
     * effective capabilities), under the temporary root the Injector is given.
     */
    private void process(String state, int seccomp, String capEff) throws IOException {
        Path dir = root.resolve(Integer.toString(PID));
        Files.createDirectories(dir.resolve("task/" + TID));
        String status = "Name:\ttarget\nState:\t" + state + "\nTracerPid:\t0\nSeccomp:\t" + seccomp + "\n";
        Files.writeString(dir.resolve("status"), status);
        Files.writeString(dir.resolve("task/" + TID + "/status"), status);
        Files.writeString(dir.resolve("stat"), PID + " (target) S 1 " + PID + " " + PID
                + " 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 123456 1000000 100 18446744073709551615\n");
        Files.writeString(dir.resolve("cmdline"), "target\0");
        Files.writeString(dir.resolve("maps"), String.format(
                "55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 1 /usr/bin/target%n"
                        + "%x-%x r-xp 00000000 00:00 0                          [vdso]%n", VDSO, VDSO + VDSO_SIZE));
        Path self = root.resolve(Integer.toString(ProcFs.selfPid()));
        Files.createDirectories(self);
        Files.writeString(self.resolve("status"), "Name:\tjava\nCapEff:\t" + capEff + "\n");
    }

    /** The target thread's TracerPid in its status files (0: not traced). */
    private void tracedBy(int tracerPid) throws IOException {
        for (Path status : List.of(root.resolve(PID + "/status"), root.resolve(PID + "/task/" + TID + "/status"))) {
            Files.writeString(status, Files.readString(status).replaceAll("TracerPid:\t\\d+", "TracerPid:\t" + tracerPid));
        }
    }

    /** A tracing thread's /proc entry: its name and command line. */
    private void tracer(int tid, String name, String cmdline) throws IOException {
        Path dir = Files.createDirectories(root.resolve(Integer.toString(tid)));
        Files.writeString(dir.resolve("stat"), tid + " (" + name + ") S 1 " + tid + " " + tid
                + " 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 123400 1000000 100 18446744073709551615\n");
        Files.writeString(dir.resolve("cmdline"), cmdline);
    }

    /** The host's kernel.yama.ptrace_scope, or null without Yama: the advice depends on it. */
    private static String yamaScope() {
        return io.livetune.executor.procfs.Sysctl.readOr("kernel.yama.ptrace_scope", null);
    }
}
