package io.livetune.executor.nativeio;

/** A resource limit as prlimit(2) reads and writes it: soft and hard, in the resource's unit. */
public record Rlimit(long soft, long hard) {
    /** RLIM_INFINITY as the kernel writes it: all bits set. */
    public static final long INFINITY = -1L;

    /** Whether {@code limit} means no limit. */
    public static boolean unlimited(long limit) {
        return limit == INFINITY;
    }

    @Override
    public String toString() {
        return "soft " + (unlimited(soft) ? "unlimited" : soft) + ", hard " + (unlimited(hard) ? "unlimited" : hard);
    }
}
