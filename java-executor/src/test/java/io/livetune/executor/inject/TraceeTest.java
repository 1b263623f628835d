package io.livetune.executor.inject;

import io.livetune.executor.inject.Tracee.State;
import io.livetune.executor.inject.Tracee.Stop;
import io.livetune.executor.nativeio.WaitStatus;
import org.junit.jupiter.api.Test;

import static io.livetune.executor.inject.InjectorScriptTest.PID;
import static io.livetune.executor.inject.InjectorScriptTest.SIGSTOP;
import static io.livetune.executor.inject.InjectorScriptTest.SIGTRAP;
import static io.livetune.executor.inject.InjectorScriptTest.SIGUSR1;
import static io.livetune.executor.inject.InjectorScriptTest.SITE;
import static io.livetune.executor.inject.InjectorScriptTest.SI_QUEUE;
import static io.livetune.executor.inject.InjectorScriptTest.THREAD_PC;
import static io.livetune.executor.inject.InjectorScriptTest.THREAD_SP;
import static io.livetune.executor.inject.InjectorScriptTest.TID;
import static io.livetune.executor.inject.InjectorScriptTest.X86;
import static io.livetune.executor.inject.InjectorScriptTest.groupStop;
import static io.livetune.executor.inject.InjectorScriptTest.interruptStop;
import static io.livetune.executor.inject.InjectorScriptTest.signalStop;
import static io.livetune.executor.inject.InjectorScriptTest.siginfo;
import static io.livetune.executor.inject.InjectorScriptTest.withPcAndResult;
import static io.livetune.executor.inject.InjectorScriptTest.x86Registers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Tracee}'s state machine on its own: how each stop is classified, and which state
 * each verb leaves the thread in. The whole conversation, through the {@link Injector}, is
 * in {@link InjectorScriptTest}.
 */
class TraceeTest {
    private static final int SIGTSTP = 20;

    private final ScriptedPtrace ptrace = new ScriptedPtrace();
    private final Tracee tracee = new Tracee(ptrace, X86, PID, TID);
    private final byte[] saved = ptrace.name("saved registers", x86Registers(THREAD_PC, THREAD_SP, 0, -1));
    private final byte[] getpid = ptrace.name("getpid registers", X86.callRegisters(saved, SITE, 39));
    private final byte[] getpidDone = ptrace.name("getpid done", withPcAndResult(X86, getpid, SITE + 2, PID));
    private final SyscallSite site = new SyscallSite(SITE, Mapping.parse("7ffd12340000-7ffd12342000 r-xp 0 0:0 0 [vdso]"));

    @Test
    void everyStopIsClassifiedByItsEventAndSignalAndWhetherOurStepIsOutstanding() {
        assertStop(Stop.Kind.INTERRUPT, State.INTERRUPT_STOP, interruptStop(), false);
        assertStop(Stop.Kind.INTERRUPT, State.INTERRUPT_STOP, interruptStop(), true);
        assertStop(Stop.Kind.GROUP_STOP, State.GROUP_STOP, groupStop(SIGSTOP), false);
        assertStop(Stop.Kind.GROUP_STOP, State.GROUP_STOP, groupStop(SIGTSTP), true);
        assertStop(Stop.Kind.STEP_TRAP, State.SIGNAL_DELIVERY_STOP, signalStop(SIGTRAP), true);
        assertStop(Stop.Kind.SIGNAL, State.SIGNAL_DELIVERY_STOP, signalStop(SIGTRAP), false); // someone's kill -TRAP
        assertStop(Stop.Kind.SIGNAL, State.SIGNAL_DELIVERY_STOP, signalStop(SIGUSR1), true);
        assertStop(Stop.Kind.SIGNAL, State.SIGNAL_DELIVERY_STOP, signalStop(SIGUSR1), false);
    }

    private static void assertStop(Stop.Kind kind, State state, WaitStatus status, boolean stepOutstanding) {
        Stop stop = Stop.classify(status, stepOutstanding);
        assertEquals(kind, stop.kind(), status + (stepOutstanding ? " while stepping" : ""));
        assertEquals(state, stop.state(), status.toString());
        assertEquals(status.stopSignal(), stop.signal());
    }

    @Test
    void eachVerbLeavesTheThreadInItsState() throws Exception {
        byte[] info = ptrace.name("siginfo SIGUSR1", siginfo(SIGUSR1, SI_QUEUE));
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGUSR1))
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(getpidDone)
                .expect("getSiginfo", TID).returns(info)
                .then("setRegset", TID, "NT_PRSTATUS", saved)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(signalStop(SIGTRAP))
                .then("setSiginfo", TID, info)
                .then("detach", TID, SIGUSR1);

        assertEquals(State.DETACHED, tracee.state());
        tracee.seize(0);
        assertEquals(State.RUNNING, tracee.state());
        tracee.stop(Deadline.in(1_000));
        assertEquals(State.INTERRUPT_STOP, tracee.state());
        tracee.save(site, 1_000, Deadline.in(10_000));
        assertEquals(State.INTERRUPT_STOP, tracee.state(), "saving reads, nothing more");
        assertEquals(PID, tracee.call(Syscall.GETPID)); // ran, then SIGUSR1 came before our trap
        assertEquals(State.SIGNAL_DELIVERY_STOP, tracee.state());
        tracee.restoreAndDetach(); // takes the trap, then delivers SIGUSR1 with the detach
        assertEquals(State.DETACHED, tracee.state());
        tracee.restoreAndDetach(); // once detached, a no-op
        ptrace.assertDone();
    }

    @Test
    void aThreadThatIsGoneIsNotTouchedAgain() throws Exception {
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").returns(new WaitStatus(TID, 9));
        tracee.seize(0);
        tracee.stop(Deadline.in(1_000));
        tracee.save(site, 1_000, Deadline.in(10_000));
        assertEquals(InjectionException.Kind.GONE,
                assertThrows(InjectionException.class, () -> tracee.call(Syscall.GETPID)).kind());
        assertEquals(State.GONE, tracee.state());

        // Work that goes on after the failure (a finally block closing a descriptor) reaches no ptrace call.
        assertEquals(InjectionException.Kind.GONE,
                assertThrows(InjectionException.class, () -> tracee.call(Syscall.CLOSE, 5)).kind());
        assertEquals(InjectionException.Kind.GONE,
                assertThrows(InjectionException.class, () -> tracee.scratch(new byte[4])).kind());
        tracee.restoreAndDetach();
        ptrace.assertDone();
    }

    @Test
    void aThreadLeftRunningIsNotWorkedOnAndOnlyTheTracerThreadsEndCanReleaseIt() throws Exception {
        ptrace.then("seize", TID, 0L)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").returns(interruptStop())
                .expect("getRegset", TID, "NT_PRSTATUS", X86.size()).returns(saved)
                .then("setRegset", TID, "NT_PRSTATUS", getpid)
                .then("singleStep", TID, 0)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null)
                .then("interrupt", TID)
                .expect("waitpid", TID, "WNOHANG").repeatedly().returns(null);
        tracee.seize(0);
        tracee.stop(Deadline.in(1_000));
        tracee.save(site, 30, Deadline.in(10_000));
        assertInstanceOf(TracerThread.StillAttachedException.class,
                assertThrows(InjectionException.class, () -> tracee.call(Syscall.GETPID)));
        assertEquals(State.RUNNING, tracee.state());

        // Its stack is in use again: scratch bytes are neither written nor put back.
        assertInstanceOf(TracerThread.StillAttachedException.class,
                assertThrows(InjectionException.class, () -> tracee.scratch(new byte[4])));
        assertInstanceOf(TracerThread.StillAttachedException.class,
                assertThrows(InjectionException.class, () -> tracee.release(0)));
        InjectionException stillAttached = assertThrows(InjectionException.class, tracee::restoreAndDetach);
        assertInstanceOf(TracerThread.StillAttachedException.class, stillAttached);
        assertEquals("thread " + TID + " of pid " + PID + " is attached but not stopped", stillAttached.getMessage());
        ptrace.assertDone();
    }
}
