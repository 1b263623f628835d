package io.livetune.executor.nativeio;

/**
 * Flags of mmap(2), mlockall(2) and mlock2(2), from include/uapi/asm-generic/mman-common.h and
 * mman.h: the same values on x86_64 and aarch64, the architectures of {@link Architecture}.
 */
public final class Mman {
    public static final long PROT_NONE = 0;
    public static final long MAP_PRIVATE = 0x02;
    public static final long MAP_ANONYMOUS = 0x20;

    public static final long MCL_CURRENT = 1;
    public static final long MCL_FUTURE = 2;
    public static final long MCL_ONFAULT = 4;
    public static final long MLOCK_ONFAULT = 1;

    private Mman() {
    }
}
