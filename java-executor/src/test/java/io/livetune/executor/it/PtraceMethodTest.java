package io.livetune.executor.it;

import static io.livetune.executor.it.Executor.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * socket_option with method: ptrace, the path for kernels without pidfd_getfd: the calls
 * run inside the target. Same results and same idempotency as through pidfd_getfd, checked
 * with ss, and the target (blocked in accept or epoll_wait meanwhile) keeps serving.
 */
@Tag(Executor.EVERY_METHOD)
@Timeout(60)
class PtraceMethodTest {

    private static long inodeOf(int pid, int fd) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
        return Long.parseLong(link.substring("socket:[".length(), link.length() - 1));
    }

    private static Map<String, Object> task(InjectionTarget target, String method, int backlog, int rcvbuf) {
        return args("pid", target.pid(), "fd", target.listenerFd(), "method", method, "backlog", backlog,
                "options", Map.of("so_rcvbuf", rcvbuf));
    }

    @ParameterizedTest
    @ValueSource(strings = {"accept", "epoll"})
    void setsTheListenerInsideTheTargetLikePidfdDoes(String mode) throws IOException {
        try (InjectionTarget target = InjectionTarget.python(mode)) {
            int fd = target.listenerFd() >= 0 ? target.listenerFd() : 3;
            long inode = inodeOf(target.pid(), fd);
            Map<String, Object> task = args("pid", target.pid(), "state", "listen", "method", "ptrace",
                    "backlog", 300, "options", Map.of("so_rcvbuf", 65536));

            ExecutorResult first = Executor.socketOption(task);
            assertFalse(first.failed(), first::toString);
            assertTrue(first.changed(), first::toString);
            Ss.SsSocket seen = Ss.tcp(target.pid()).byInode(inode);
            assertEquals(Kernel.backlogInForce(300), seen.backlog(), "ss Send-Q" + first);
            assertEquals(Kernel.receiveBufferReadBack(65536), seen.receiveBuffer(), "ss skmem rb" + first);
            assertEquals("echo:still here", target.request("still here"), "the target still serves");

            ExecutorResult again = Executor.socketOption(task);
            assertFalse(again.changed(), "the second run is unchanged" + again);
            if (WithoutPidfd.pidfdAvailable()) { // not in the surefire run that plays an older kernel
                Map<String, Object> viaPidfd = args("pid", target.pid(), "state", "listen", "method", "pidfd",
                        "backlog", 300, "options", Map.of("so_rcvbuf", 65536));
                assertFalse(Executor.socketOption(viaPidfd).changed(), "pidfd reads what ptrace set the same way");
            }
        }
    }

    @Test
    void checkModeTouchesNothingAndARefusedValueChangesNothing() throws IOException {
        try (InjectionTarget target = InjectionTarget.python("accept")) {
            long inode = inodeOf(target.pid(), target.listenerFd());
            Map<String, Object> check = task(target, "ptrace", 77, 65536);
            check.put("_check_mode", true);
            ExecutorResult planned = Executor.socketOption(check);
            assertTrue(planned.changed(), planned::toString);
            assertEquals(128, Ss.tcp(target.pid()).byInode(inode).backlog(), "check mode changed nothing");

            Map<String, Object> refused = args("pid", target.pid(), "fd", target.listenerFd(), "method", "ptrace",
                    "backlog", 77, "options", Map.of("tcp_congestion", "no_such_algorithm"));
            ExecutorResult failed = Executor.socketOption(refused);
            assertTrue(failed.failed(), failed::toString);
            assertTrue(failed.msg().contains("tcp_congestion"), failed::toString);
            assertEquals(128, Ss.tcp(target.pid()).byInode(inode).backlog(), "nothing changed" + failed);
            assertEquals("echo:ok", target.request("ok"), "the target still serves");
        }
    }

    @Test
    void autoUsesPidfdWhereTheKernelHasItAndPtraceWhereItDoesNot() {
        try (InjectionTarget target = InjectionTarget.python("accept")) {
            ExecutorResult result = Executor.socketOption(task(target, "auto", 200, 65536));
            assertFalse(result.failed(), result::toString);
            boolean pidfd = WithoutPidfd.pidfdAvailable(); // false in the surefire run without pidfd
            assertEquals(pidfd ? "pidfd" : "ptrace", result.sockets().get(0).path("method").asText(),
                    "the method used, per socket" + result);
            assertEquals(pidfd ? 0 : 1, result.warnings().stream().filter(w -> w.contains("has no pidfd_getfd"))
                    .count(), "auto says when it fell back to ptrace" + result);
        }
    }
}
