package io.livetune.executor.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor runs as root on production hosts and must run no other program: not a
 * helper, and not the "/sbin/ldconfig -p" that JNA runs by default when it initialises
 * (which also costs every Ansible task a fork and exec). Checked with strace, which sees
 * every execve of the JVM and anything it starts.
 */
class NoChildProcessTest extends LiveProcessTest {

    @Test
    void aSocketOptionRunExecutesNoProgramButTheJvm() throws Exception {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        Path trace = Files.createTempFile("livetune-execve", ".strace");
        try {
            String java = ProcessHandle.current().info().command().orElseThrow();
            String args = "{\"pid\": " + target.pid() + ", \"state\": \"listen\", \"local_port\": "
                    + listener.localPort() + ", \"options\": {\"so_keepalive\": true}}";
            Process run = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none",
                    "-o", trace.toString(), java, "-cp", System.getProperty("java.class.path"),
                    "io.livetune.executor.Main", "ansible", "socket_option")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            run.getOutputStream().write(args.getBytes(StandardCharsets.UTF_8));
            run.getOutputStream().close();
            String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(run.waitFor(60, TimeUnit.SECONDS));
            assertTrue(out.contains("\"changed\":true"), "the run did its work: " + out);

            List<String> execs = execs(trace);
            assertEquals(1, execs.size(), "only the JVM itself is executed: " + execs);
            assertTrue(execs.get(0).contains("execve(\"" + java + "\""), execs.toString());
        } finally {
            Files.deleteIfExists(trace);
        }
    }

    /** The execve calls strace saw (one line each, as "PID execve(...) = 0"). */
    private static List<String> execs(Path trace) throws IOException {
        return Files.readAllLines(trace).stream().filter(line -> line.contains("execve(")).collect(Collectors.toList());
    }
}
