package io.livetune.executor.inject;

/** For tests: whether some thread of this JVM waits inside {@link Injector#inject} for a thread that another tracer holds. */
public final class InjectorWaits {
    private InjectorWaits() {
    }

    /** Whether some thread is parked inside Injector.inject, which only waiting for a tracer to let go does. */
    public static boolean anyWaiting() {
        for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
            boolean parked = false;
            for (StackTraceElement frame : stack) {
                parked |= frame.getMethodName().equals("parkNanos");
                if (parked && frame.getClassName().equals(Injector.class.getName())
                        && frame.getMethodName().equals("inject")) {
                    return true;
                }
            }
        }
        return false;
    }
}
