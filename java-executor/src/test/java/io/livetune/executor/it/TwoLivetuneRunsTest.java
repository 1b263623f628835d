package io.livetune.executor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.InjectorWaits;
import io.livetune.executor.inject.Syscall;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two livetune runs that reach the same process with ptrace at once (a `sockets --watch` and
 * a playbook, say): the second waits for the first one's stop to end instead of failing with
 * "already traced", and both get their answer.
 */
@Timeout(60)
class TwoLivetuneRunsTest {

    @Test
    void theSecondRunWaitsForTheFirstOnesStop() throws Exception {
        try (InjectionTarget target = InjectionTarget.python("accept");
                Injector first = new Injector();
                Injector second = new Injector()) {
            int pid = target.pid();
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Long> firstRun = CompletableFuture.supplyAsync(() -> {
                try {
                    return first.inject(pid, calls -> {
                        holding.countDown();
                        try {
                            release.await(20, TimeUnit.SECONDS); // the first run's stop lasts until released
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return calls.call(Syscall.GETPID);
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(holding.await(20, TimeUnit.SECONDS), "the first run stopped the target");
            CompletableFuture<Long> secondRun = CompletableFuture.supplyAsync(() -> {
                try {
                    return second.call(pid, Syscall.GETPID);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Before the first run lets go: the second is seen waiting for it (parked in Injector.inject),
            // not failed with "already traced".
            Await.until(() -> secondRun.isDone() || InjectorWaits.anyWaiting(), waiting -> waiting, "the second run waits", 20);
            assertTrue(!secondRun.isDone(), "the second run did not end while the first held the thread: "
                    + (secondRun.isDone() ? secondRun.handle((v, e) -> String.valueOf(e)).join() : ""));
            release.countDown();
            assertEquals(pid, firstRun.get(20, TimeUnit.SECONDS));
            assertEquals(pid, secondRun.get(20, TimeUnit.SECONDS), "the second run waited, then got its answer");
            assertEquals("echo:after", target.request("after"), "the target still serves");
        }
    }
}
