package io.livetune.executor.nativeio;

/**
 * Another process's resource limits, through prlimit(2), as plain Java: the one change
 * livetune makes to a process from outside, without stopping it (memory_lock raises
 * RLIMIT_MEMLOCK before it injects mlockall).
 */
public interface ResourceLimits {
    /** include/uapi/asm-generic/resource.h, the same on x86_64 and aarch64. */
    int RLIMIT_MEMLOCK = 8;

    Rlimit get(int pid, int resource) throws ErrnoException;

    void set(int pid, int resource, Rlimit limit) throws ErrnoException;

    /** The implementation for this machine. */
    static ResourceLimits get() {
        return JnaResourceLimits.INSTANCE;
    }
}
