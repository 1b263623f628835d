package io.livetune.executor.inject;

/**
 * A system call could not be run inside a target. The message is meant for the operator;
 * {@link #kind()} lets callers react (a module turns GONE into "process exited").
 * Whatever the kind, the engine has already put back what it changed and detached,
 * unless {@link #targetLeftChanged()} says otherwise.
 */
public class InjectionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the injection did not happen or did not finish. */
    public enum Kind {
        /** Another tracer (a debugger, strace) holds the thread. */
        ALREADY_TRACED,
        /** The process exited, before or during the injection. */
        GONE,
        /** ptrace refused: permissions, Yama, a security module. */
        NOT_PERMITTED,
        /** A seccomp filter that livetune may not suspend. */
        SECCOMP,
        /** The process is stopped (SIGSTOP, a debugger's group-stop). */
        STOPPED,
        /** No syscall instruction to borrow. */
        NO_SYSCALL_SITE,
        /** The engine has not run its suites on this machine's architecture (PtraceEngineGate). */
        UNVERIFIED_MACHINE,
        /** The time limit passed. */
        TIMEOUT,
        /** Anything else the kernel refused. */
        FAILED
    }

    private final Kind kind;
    private final boolean targetLeftChanged;

    public InjectionException(Kind kind, String message) {
        this(kind, message, null, false);
    }

    public InjectionException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, false);
    }

    InjectionException(Kind kind, String message, Throwable cause, boolean targetLeftChanged) {
        super(message, cause);
        this.kind = kind;
        this.targetLeftChanged = targetLeftChanged;
    }

    public Kind kind() {
        return kind;
    }

    /** True only if the registers of the target could not be put back (it exited, or never stopped again). */
    public boolean targetLeftChanged() {
        return targetLeftChanged;
    }
}
