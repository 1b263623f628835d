package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Architecture;

/**
 * The system calls livetune injects. Their numbers on each machine are in the one table of
 * architecture facts, {@link Architecture}. Only raw system calls are ever injected, never
 * libc functions: a libc function could take a lock (malloc's) that the interrupted thread
 * holds, and deadlock the target.
 */
public enum Syscall {
    GETPID, MLOCK, MUNLOCK, MLOCKALL, MUNLOCKALL, MLOCK2, LISTEN, SETSOCKOPT, GETSOCKOPT, FSTAT, FCNTL, CLOSE, MMAP,
    MUNMAP;

    /** The name as in the man pages: "mlockall". */
    public String callName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Its number on {@code architecture}. */
    public long number(Architecture architecture) {
        return architecture.syscall(callName());
    }
}
