package io.livetune.executor.inject;

/**
 * What injected work may do inside a stopped target thread. Every method runs on the tracer
 * thread; the work must not keep these calls for later.
 */
public interface RemoteCalls {

    /** The target's process id (thread-group id). */
    int pid();

    /** The thread the calls run in. */
    int tid();

    /**
     * Runs one system call in the target thread and returns its raw result: a negative
     * value in [-4095, -1] is -errno (see {@link RemoteErrno}).
     */
    long call(Syscall call, long... args) throws InjectionException;

    /**
     * Copies {@code bytes} onto the target thread's stack, below its red zone, and returns
     * their address there. The bytes that were there are put back before detaching.
     */
    long scratch(byte[] bytes) throws InjectionException;

    /**
     * A mark of the scratch space in use now; {@link #release(int)} gives back what was taken
     * after it, so that work over many sockets in one stop does not walk down the stack.
     */
    int scratchMark();

    /** Puts back the stack bytes under the scratch taken since {@code mark}, and reuses that space. */
    void release(int mark) throws InjectionException;

    /** Reads target memory (a buffer a call filled in). */
    byte[] read(long address, int length) throws InjectionException;
}
