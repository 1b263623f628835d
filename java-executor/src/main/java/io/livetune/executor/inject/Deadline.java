package io.livetune.executor.inject;

/** A point in time (System.nanoTime) by which a step of an injection must be done. */
final class Deadline {
    private final long endNanos;
    private final long millis;

    private Deadline(long millis) {
        this.millis = millis;
        this.endNanos = System.nanoTime() + millis * 1_000_000L;
    }

    static Deadline in(long millis) {
        return new Deadline(millis);
    }

    boolean passed() {
        return System.nanoTime() - endNanos > 0;
    }

    long millis() {
        return millis;
    }

    /** The earlier of the two. */
    Deadline min(Deadline other) {
        return endNanos - other.endNanos <= 0 ? this : other;
    }
}
