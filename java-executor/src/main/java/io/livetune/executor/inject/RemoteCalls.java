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

    /** Reads target memory (a buffer a call filled in). */
    byte[] read(long address, int length) throws InjectionException;
}
