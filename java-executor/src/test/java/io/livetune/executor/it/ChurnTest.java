package io.livetune.executor.it;

import static io.livetune.executor.it.Executor.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * socket_option on the established connections of a busy server, while clients connect and
 * close as fast as they can (loopback, bounded in count and time) and one client stays
 * connected: 20 runs with each access method, every one succeeds, the long-lived connection
 * takes each new value (checked by ss's keepalive timer for memcached, and by the test
 * daemon's own getsockopt), and the result's warning counts the sockets that went away.
 * Windows forced at exact moments are in {@link RaceWindowTest}; this is the same under real
 * load, against memcached (Debian's, four worker threads) and the test daemon. And socket_info
 * of every process under the same churn: every run lists the long-lived connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChurnTest {
    private static final int RUNS = 20;
    private static final int CHURN_THREADS = 2;
    /** Each churning client stops after this many connections, or when the runs are over. */
    private static final int MAX_CONNECTIONS_PER_THREAD = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void memcachedConnectionsComeAndGo(String method) throws Exception {
        Path memcached = Path.of("/usr/bin/memcached");
        assertTrue(Files.isExecutable(memcached), "memcached is not installed: `make deps` installs it");
        int port = freePort();
        Process shell = new ProcessBuilder("sh", "-c", "\"$0\" -u nobody -l 127.0.0.1 -p " + port
                + " -U 0 -t 4 -c 4096 </dev/null >/dev/null 2>&1 & echo $!; wait $!", memcached.toString()).start();
        try {
            int pid = Integer.parseInt(new BufferedReader(new InputStreamReader(shell.getInputStream(),
                    StandardCharsets.UTF_8)).readLine().trim());
            Await.until(() -> accepts(port), ok -> ok, "memcached listens on 127.0.0.1:" + port, 10);
            try (Socket longLived = new Socket("127.0.0.1", port)) {
                int clientPort = longLived.getLocalPort();
                long serverInode = Await.until(() -> serverEndInode(pid, port, clientPort), inode -> inode > 0,
                        "memcached's end of the long-lived connection", 10);
                churnWhile(port, pid, method, serverInode, keepidle -> {
                    Ss.SsSocket seen = Ss.tcp(pid).byInode(serverInode);
                    long timer = seen.keepaliveTimerSeconds().orElseThrow(() -> new AssertionError(
                            "ss shows no keepalive timer on memcached's end: " + seen.details()));
                    assertTrue(timer <= keepidle && timer > keepidle - 120,
                            "ss: the keepalive timer (" + timer + " s) follows tcp_keepidle " + keepidle);
                });
            }
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pidfd", "ptrace"})
    void testDaemonConnectionsComeAndGo(String method) throws Exception {
        Daemon daemon = startTestDaemon();
        int pid = daemon.pid();
        try {
            int port = daemon.port();
            try (Socket longLived = new Socket("127.0.0.1", port)) {
                long serverInode = daemonEndOf(longLived, pid, port);
                BufferedReader answers = new BufferedReader(new InputStreamReader(longLived.getInputStream(),
                        StandardCharsets.UTF_8));
                OutputStream requests = longLived.getOutputStream();
                churnWhile(port, pid, method, serverInode, keepidle -> {
                    JsonNode own = connectionOptions(requests, answers);
                    assertEquals(keepidle, own.path("tcp_keepidle").asInt(), "the daemon's own getsockopt: " + own);
                    assertEquals(1, own.path("so_keepalive").asInt(), "the daemon's own getsockopt: " + own);
                });
            }
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    /**
     * socket_info of every process (no process selector: each namespace's table is read beside
     * the walk of every process's descriptors) while clients connect and close: every run
     * succeeds and lists the long-lived connection's server end, held by the daemon.
     */
    @Test
    void anInventoryOfEveryProcessWhileConnectionsComeAndGo() throws Exception {
        Daemon daemon = startTestDaemon();
        int pid = daemon.pid();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong connections = new AtomicLong();
        List<Thread> churners = new ArrayList<>();
        try {
            int port = daemon.port();
            try (Socket longLived = new Socket("127.0.0.1", port)) {
                long serverInode = daemonEndOf(longLived, pid, port);
                churners.addAll(startChurn(port, stop, connections));
                for (int run = 0; run < RUNS / 2; run++) {
                    ExecutorResult result = Executor.ansible("socket_info", args("protocol", "tcp", "local_port", port));
                    assertFalse(result.failed(), "run " + run + " failed" + result);
                    JsonNode entry = result.socket(serverInode);
                    assertEquals(pid, entry.path("owners").path(0).path("pid").asInt(), "run " + run + result);
                    assertEquals(longLived.getLocalPort(), Integer.parseInt(entry.path("remote").asText().replaceAll(".*:", "")),
                            "run " + run + result);
                }
            }
        } finally {
            stopChurn(stop, churners);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
        assertTrue(connections.get() > RUNS / 2, "the clients churned (" + connections.get() + " connections)");
    }

    /** The check of one run, given the tcp_keepidle it set. */
    @FunctionalInterface
    private interface Check {
        void run(int keepidle) throws Exception;
    }

    /** Runs the task RUNS times while clients churn; every run must succeed and reach the long-lived connection. */
    private static void churnWhile(int port, int pid, String method, long longLivedInode, Check check)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong connections = new AtomicLong();
        List<Thread> churners = startChurn(port, stop, connections);
        int vanishedInAll = 0;
        try {
            for (int run = 0; run < RUNS; run++) {
                int keepidle = run % 2 == 0 ? 3000 : 6000; // each run changes the long-lived connection
                ExecutorResult result = Executor.socketOption(args("pid", pid, "protocol", "tcp", "state",
                        "established", "local_port", port, "method", method,
                        "options", Map.of("so_keepalive", true, "tcp_keepidle", keepidle)));
                assertFalse(result.failed(), "run " + run + " failed" + result);
                JsonNode longLived = result.socket(longLivedInode);
                assertTrue(longLived.path("changed").asBoolean(), "run " + run + result);
                assertEquals(keepidle, longLived.path("after").path("tcp_keepidle").asInt(), "run " + run + result);
                int vanished = result.json().path("vanished").size();
                List<String> warned = result.warnings().stream().filter(w -> w.contains("went away")).toList();
                if (vanished == 0) {
                    assertTrue(warned.isEmpty(), "no socket went away, no warning" + result);
                } else {
                    assertEquals(1, warned.size(), "one warning for the vanished sockets" + result);
                    assertTrue(warned.get(0).startsWith(vanished + " socket(s) went away"),
                            "the warning counts the " + vanished + " socket(s) in vanished" + result);
                }
                for (JsonNode socket : result.sockets()) {
                    assertTrue(socket.path("changed").asBoolean() || socket.path("before").equals(socket.path("after")),
                            "a socket listed unchanged must already have had the values" + result);
                }
                vanishedInAll += vanished;
                check.run(keepidle);
            }
        } finally {
            stopChurn(stop, churners);
        }
        assertTrue(connections.get() > RUNS, "the clients churned (" + connections.get() + " connections)");
        System.out.printf("churn %s: %d connections during %d runs; %d socket(s) went away mid-run%n", method,
                connections.get(), RUNS, vanishedInAll);
    }

    /** tests/daemons/tunable_server.py, daemonized; the test destroys it by pid. */
    private record Daemon(int pid, int port) {
    }

    private Daemon startTestDaemon() throws IOException, InterruptedException {
        Path server = Path.of("").toAbsolutePath().getParent().resolve("tests/daemons/tunable_server.py");
        assertTrue(Files.isRegularFile(server), "no " + server);
        Path ready = dir.resolve("ready");
        Path ports = dir.resolve("ports");
        Process start = new ProcessBuilder("python3", server.toString(), "--port", "0", "--backlog", "4096", "--port-file",
                ports.toString(), "--ready-file", ready.toString(), "--daemonize").inheritIO().start();
        assertEquals(0, start.waitFor(), "tunable_server --daemonize");
        return new Daemon(Integer.parseInt(Files.readString(ready).trim()),
                Integer.parseInt(Files.readString(ports).trim().split("\\s+")[0]));
    }

    /** CHURN_THREADS clients connecting and closing until {@code stop}. */
    private static List<Thread> startChurn(int port, AtomicBoolean stop, AtomicLong connections) {
        List<Thread> churners = new ArrayList<>();
        for (int i = 0; i < CHURN_THREADS; i++) {
            Thread churner = new Thread(() -> churn(port, stop, connections), "churn-" + i);
            churner.setDaemon(true);
            churner.start();
            churners.add(churner);
        }
        return churners;
    }

    private static void stopChurn(AtomicBoolean stop, List<Thread> churners) throws InterruptedException {
        stop.set(true);
        for (Thread churner : churners) {
            churner.join(10_000);
        }
    }

    private static void churn(int port, AtomicBoolean stop, AtomicLong connections) {
        for (int i = 0; i < MAX_CONNECTIONS_PER_THREAD && !stop.get(); i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                connections.incrementAndGet();
            } catch (IOException e) {
                // a refused or reset connection under load is part of the churn
            }
        }
    }

    private static JsonNode connectionOptions(OutputStream requests, BufferedReader answers) throws IOException {
        requests.write("CONNOPTS\n".getBytes(StandardCharsets.US_ASCII));
        requests.flush();
        return JSON.readTree(answers.readLine());
    }

    /** The inode of the daemon's end of {@code client}'s connection, once ss shows it. */
    private static long daemonEndOf(Socket client, int pid, int port) {
        int clientPort = client.getLocalPort();
        return Await.until(() -> serverEndInode(pid, port, clientPort), inode -> inode > 0,
                "the daemon's end of the long-lived connection", 10);
    }

    /** The inode of the server's end of the connection from clientPort, or 0 while ss does not show it yet. */
    private static long serverEndInode(int pid, int port, int clientPort) {
        return Ss.tcp(pid).all().stream()
                .filter(s -> s.local().endsWith(":" + port) && s.peer().endsWith(":" + clientPort))
                .mapToLong(Ss.SsSocket::inode).filter(inode -> inode > 0).findFirst().orElse(0);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
