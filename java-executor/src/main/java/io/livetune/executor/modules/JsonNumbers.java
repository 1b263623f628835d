package io.livetune.executor.modules;

import java.math.BigDecimal;

/**
 * Initialises {@link BigDecimal} on a thread of its own, early, so that the first JSON parse
 * does not do it on the main thread.
 *
 * <p>Jackson's parsers keep BigDecimal constants (ParserMinimalBase), so the first parse
 * initialises the class. From JDK 25 on, BigDecimal's initialiser computes 5^(2^16) by
 * repeated squaring; without C2's BigInteger intrinsics (the executor runs C1 only) that
 * takes 10 to 50 ms, against well under 1 ms on JDK 17. Started first, it runs beside the
 * main thread's schema factory build, which needs no parser.
 */
public final class JsonNumbers {
    private JsonNumbers() {
    }

    public static void prepareInBackground() {
        Thread thread = new Thread(new Initialiser(), "livetune-json-numbers");
        thread.setDaemon(true);
        thread.start();
    }

    /** A plain class, not a lambda: linking a lambda would cost the fresh JVM more than it saves. */
    private static final class Initialiser implements Runnable {
        @Override
        public void run() {
            BigDecimal.ONE.signum(); // the class is initialised once; a parse that needs it first waits for it
        }
    }
}
