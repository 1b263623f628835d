package io.livetune.executor.it;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a state the kernel reaches on its own (a handshake completing, a window closing):
 * re-reads until the condition holds, with a hard deadline. Never a fixed sleep before an assertion.
 */
final class Await {
    private Await() {}

    static <T> T until(Supplier<T> read, Predicate<T> done, String what, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long pauseMillis = 5;
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + seconds + " s: " + what + "\nlast reading: " + value);
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
            pauseMillis = Math.min(pauseMillis * 2, 100);
            value = read.get();
        }
        return value;
    }
}
