package io.livetune.executor.inject;

/**
 * The system calls livetune injects, with their numbers on each architecture
 * (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h for aarch64).
 * Only raw system calls are ever injected, never libc functions: a libc function could take
 * a lock (malloc's) that the interrupted thread holds, and deadlock the target.
 */
public enum Syscall {
    GETPID(39, 172),
    MLOCK(149, 228),
    MUNLOCK(150, 229),
    MLOCKALL(151, 230),
    MUNLOCKALL(152, 231),
    MLOCK2(325, 284),
    LISTEN(50, 201),
    SETSOCKOPT(54, 208),
    GETSOCKOPT(55, 209),
    FSTAT(5, 80),
    FCNTL(72, 25),
    CLOSE(3, 57),
    MMAP(9, 222),
    MUNMAP(11, 215);

    final long x86_64;
    final long aarch64;

    Syscall(long x86_64, long aarch64) {
        this.x86_64 = x86_64;
        this.aarch64 = aarch64;
    }

    /** The name as in the man pages: "mlockall". */
    public String callName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
