package io.livetune.executor.nativeio;

/** Flags of mlockall(2) and mlock2(2), from include/uapi/asm-generic/mman-common.h (the same on x86_64 and aarch64). */
public final class Mman {
    public static final long MCL_CURRENT = 1;
    public static final long MCL_FUTURE = 2;
    public static final long MCL_ONFAULT = 4;
    public static final long MLOCK_ONFAULT = 1;

    private Mman() {
    }
}
