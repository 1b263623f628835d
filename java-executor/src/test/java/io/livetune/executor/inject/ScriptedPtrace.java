package io.livetune.executor.inject;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.nativeio.WaitStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link PtraceCalls} that plays a script: a queue of the calls the engine must make, in
 * order, each with its canned answer. Anything else (another call, other arguments, a call
 * after the script ended) fails the test. Byte arrays (register sets, siginfo, stack bytes)
 * are shown by the names the test gives them, so that a script and the call log read as the
 * ptrace conversation they are.
 *
 * <p>A failure inside the engine may be swallowed or replaced by the engine's own clean-up,
 * so the first one is kept: every later call and {@link #assertDone()} throw it again.
 */
final class ScriptedPtrace implements PtraceCalls {
    private final Deque<Expected> script = new ArrayDeque<>();
    private final List<String> log = new ArrayList<>();
    private final Map<String, String> names = new LinkedHashMap<>();
    private AssertionError failure;

    /** One expected call and what it answers. */
    final class Expected {
        final String call;
        private Object answer;
        private int errno;
        private boolean repeated;
        private int matched;

        private Expected(String call) {
            this.call = call;
        }

        /** What the call returns (a WaitStatus, a byte[]; null for "nothing yet" from waitpid). */
        ScriptedPtrace returns(Object value) {
            this.answer = value;
            return ScriptedPtrace.this;
        }

        /** The call fails with this errno. */
        ScriptedPtrace fails(int errno) {
            this.errno = errno;
            return ScriptedPtrace.this;
        }

        /**
         * The call may come any number of times (at least once) in a row, as waitpid(WNOHANG)
         * polls do until a deadline: the script moves on at the first call that does not match.
         */
        Expected repeatedly() {
            this.repeated = true;
            return this;
        }

        @Override
        public String toString() {
            String shown = call + (errno != 0 ? " -> errno " + errno
                    : answer instanceof WaitStatus ? " -> " + answer
                    : answer instanceof byte[] ? " -> " + show((byte[]) answer)
                    : call.startsWith("waitpid") ? " -> nothing yet" : "");
            return repeated ? shown + " (repeatedly)" : shown;
        }
    }

    /** Shows {@code bytes} as {@code name} in the script and the log. */
    byte[] name(String name, byte[] bytes) {
        names.put(HexFormat.of().formatHex(bytes), name);
        return bytes;
    }

    /** Expects {@code method(args...)} next; say what it answers with returns() or fails(). */
    Expected expect(String method, Object... args) {
        Expected expected = new Expected(render(method, args));
        script.add(expected);
        return expected;
    }

    /** Expects a call that returns nothing (void, or a waitpid that finds nothing). */
    ScriptedPtrace then(String method, Object... args) {
        return expect(method, args).returns(null);
    }

    /** The calls the engine made, with their answers. */
    List<String> log() {
        return log;
    }

    /** Throws the first failure seen, and fails when calls of the script were never made. */
    void assertDone() {
        if (failure != null) {
            throw failure;
        }
        Expected last = script.peekLast();
        if (script.size() == 1 && last.repeated && last.matched > 0) {
            return;
        }
        if (!script.isEmpty()) {
            throw new AssertionError("the engine never made these calls: " + script + "\ncalls made:\n"
                    + String.join("\n", log));
        }
    }

    private Object answer(String method, Object... args) throws ErrnoException {
        String call = render(method, args);
        if (failure != null) {
            throw failure; // the first one, whatever the engine's clean-up tries next
        }
        while (true) {
            Expected expected = script.peekFirst();
            if (expected != null && expected.call.equals(call)) {
                expected.matched++;
                if (!expected.repeated) {
                    script.removeFirst();
                }
                if (!expected.repeated || expected.matched == 1) {
                    log.add(expected.toString()); // a repeated poll once, however often it came
                }
                if (expected.errno != 0) {
                    throw new ErrnoException(call, expected.errno, "scripted failure");
                }
                return expected.answer instanceof byte[] ? ((byte[]) expected.answer).clone() : expected.answer;
            }
            if (expected != null && expected.repeated && expected.matched > 0) {
                script.removeFirst(); // done repeating: the next expectation must match
                continue;
            }
            AssertionError unexpected = new AssertionError("unexpected call " + call + "; expected "
                    + (expected == null ? "no more calls" : expected.call) + "\ncalls made:\n" + String.join("\n", log));
            failure = unexpected;
            throw unexpected;
        }
    }

    private String render(String method, Object... args) {
        StringBuilder text = new StringBuilder(method).append('(');
        for (int i = 0; i < args.length; i++) {
            text.append(i > 0 ? ", " : "").append(args[i] instanceof byte[] ? show((byte[]) args[i])
                    : args[i] instanceof Long ? "0x" + Long.toHexString((Long) args[i]) : String.valueOf(args[i]));
        }
        return text.append(')').toString();
    }

    private String show(byte[] bytes) {
        String hex = HexFormat.of().formatHex(bytes);
        String name = names.get(hex);
        return name != null ? name : bytes.length <= 8 ? "[" + hex + "]" : "[" + bytes.length + " unnamed bytes]";
    }

    @Override
    public void seize(int tid, long options) throws ErrnoException {
        answer("seize", tid, options);
    }

    @Override
    public void interrupt(int tid) throws ErrnoException {
        answer("interrupt", tid);
    }

    @Override
    public byte[] getRegset(int tid, int nt, int size) throws ErrnoException {
        return (byte[]) answer("getRegset", tid, regset(nt), size);
    }

    @Override
    public void setRegset(int tid, int nt, byte[] regs) throws ErrnoException {
        answer("setRegset", tid, regset(nt), regs);
    }

    static String regset(int nt) {
        return nt == NT_PRSTATUS ? "NT_PRSTATUS" : nt == NT_ARM_SYSTEM_CALL ? "NT_ARM_SYSTEM_CALL" : "nt " + nt;
    }

    @Override
    public byte[] getSiginfo(int tid) throws ErrnoException {
        return (byte[]) answer("getSiginfo", tid);
    }

    @Override
    public void setSiginfo(int tid, byte[] siginfo) throws ErrnoException {
        answer("setSiginfo", tid, siginfo);
    }

    @Override
    public void singleStep(int tid, int signal) throws ErrnoException {
        answer("singleStep", tid, signal);
    }

    @Override
    public void cont(int tid, int signal) throws ErrnoException {
        answer("cont", tid, signal);
    }

    @Override
    public void detach(int tid, int signal) throws ErrnoException {
        answer("detach", tid, signal);
    }

    @Override
    public WaitStatus waitpid(int tid, int flags) throws ErrnoException {
        return (WaitStatus) answer("waitpid", tid, flags == WNOHANG ? "WNOHANG" : "flags " + flags);
    }

    @Override
    public byte[] readMemory(int pid, long address, int length) throws ErrnoException {
        return (byte[]) answer("readMemory", pid, address, length);
    }

    @Override
    public void writeMemory(int pid, long address, byte[] bytes) throws ErrnoException {
        answer("writeMemory", pid, address, bytes);
    }

    @Override
    public void tgkill(int tgid, int tid, int signal) throws ErrnoException {
        answer("tgkill", tgid, tid, signal);
    }

    @Override
    public void queueSignal(int tgid, int tid, int signal, byte[] siginfo) throws ErrnoException {
        answer("queueSignal", tgid, tid, signal, siginfo);
    }

    @Override
    public String toString() {
        return "script " + script + "; calls made " + log;
    }
}
