package io.livetune.executor.inject;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one platform thread that issues every ptrace and waitpid call of an injection. The
 * kernel makes a tracee belong to the thread that attached it: a ptrace request from any
 * other thread fails with ESRCH, and waitpid from another thread does not see its stops.
 *
 * <p>Ending this thread is also the last resort of safety: when a tracer thread exits, the
 * kernel detaches every tracee it still holds. {@link #retire()} is used when an injection
 * could not detach normally (a thread that never stopped).
 */
final class TracerThread implements AutoCloseable {
    /** The thread's name, which /proc shows as the comm of a target's tracer while livetune injects. */
    static final String NAME = "livetune-tracer";

    private final ExecutorService executor;
    private volatile boolean retired;

    TracerThread() {
        executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, NAME);
            thread.setDaemon(true); // never keeps the executor's JVM alive on its own
            return thread;
        });
    }

    /**
     * Runs {@code work} on the tracer thread and waits at most {@code limitMillis} for it.
     * The work keeps its own, shorter deadlines; this limit only catches what they miss.
     */
    <T> T call(Callable<T> work, long limitMillis) throws InjectionException {
        if (retired) {
            throw new IllegalStateException("this tracer thread was retired");
        }
        Future<T> future = executor.submit(work);
        try {
            return future.get(limitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            retire();
            throw new InjectionException(InjectionException.Kind.TIMEOUT, "the injection did not finish within "
                    + limitMillis + " ms; its tracer thread is ended, which makes the kernel detach the target", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            retire();
            throw new InjectionException(InjectionException.Kind.TIMEOUT, "interrupted while injecting", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InjectionException) {
                InjectionException failure = (InjectionException) cause;
                if (failure instanceof StillAttachedException) {
                    retire();
                }
                throw failure;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new InjectionException(InjectionException.Kind.FAILED, String.valueOf(cause.getMessage()), cause);
        }
    }

    boolean retired() {
        return retired;
    }

    /** Ends the thread once its current work returns: the kernel then detaches whatever it still traces. */
    void retire() {
        retired = true;
        executor.shutdownNow();
    }

    @Override
    public void close() {
        retired = true;
        executor.shutdown();
    }

    /** An injection ended while its tracee was still attached and running: only ending the thread releases it. */
    static final class StillAttachedException extends InjectionException {
        private static final long serialVersionUID = 1L;

        StillAttachedException(Kind kind, String message, boolean targetLeftChanged) {
            super(kind, message, null, targetLeftChanged);
        }
    }
}
