package io.livetune.executor.nativeio;

/** A resource limit as prlimit(2) reads and writes it: soft and hard, in the resource's unit. */
public final class Rlimit {
    /** RLIM_INFINITY as the kernel writes it: all bits set. */
    public static final long INFINITY = -1L;

    private final long soft;
    private final long hard;

    public Rlimit(long soft, long hard) {
        this.soft = soft;
        this.hard = hard;
    }

    public long soft() {
        return soft;
    }

    public long hard() {
        return hard;
    }

    /** Whether {@code limit} means no limit. */
    public static boolean unlimited(long limit) {
        return limit == INFINITY;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Rlimit && ((Rlimit) other).soft == soft && ((Rlimit) other).hard == hard;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(soft) * 31 + Long.hashCode(hard);
    }

    @Override
    public String toString() {
        return "soft " + (unlimited(soft) ? "unlimited" : soft) + ", hard " + (unlimited(hard) ? "unlimited" : hard);
    }
}
