package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A target for the injection tests: it/inject_target.py in one of its modes (where its main
 * thread blocks: accept, epoll, threads, signals, seccomp), a JVM serving the same line
 * protocol, or any command (sleep). Serving targets print a ready line with pid and port;
 * {@link #request} sends one line and returns the answer. Closing kills it.
 */
final class InjectionTarget implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path script;

    private final Process process;
    private final int pid;
    private final int port;
    private final int fd;

    private InjectionTarget(Process process, JsonNode ready) {
        this.process = process;
        this.pid = ready == null ? (int) process.pid() : ready.get("pid").asInt();
        this.port = ready == null ? -1 : ready.path("port").asInt(-1);
        this.fd = ready == null ? -1 : ready.path("fd").asInt(-1);
    }

    /**
     * Targets are started by a shell that waits for them, never as children of this JVM: a
     * JVM's process-reaper thread waits for its children, and would take the ptrace stops of
     * a child that the injection engine (in this same JVM) traces. Real targets are never the
     * executor's children. The shell's exit status is the target's.
     */
    private static List<String> viaShell(List<String> command, boolean printPid) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c",
                "\"$@\" & " + (printPid ? "echo \"{\\\"pid\\\": $!}\"; " : "") + "wait $!", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** inject_target.py MODE, run through {@code prefix} (e.g. setpriv, prlimit: they exec it in place). */
    static InjectionTarget python(String mode, String... prefix) {
        List<String> command = new ArrayList<>(List.of(prefix));
        command.addAll(List.of(python3(), script().toString(), mode));
        return startServing(viaShell(command, false));
    }

    /** A JVM (this JDK's java) running a tiny class that serves the line protocol on its main thread. */
    static InjectionTarget jvm() {
        try {
            Path source = Files.createTempDirectory("livetune-it-jvm").resolve("Serve.java");
            Files.writeString(source, String.join("\n",
                    "import java.io.*; import java.net.*;",
                    "public class Serve { public static void main(String[] a) throws Exception {",
                    "  ServerSocket s = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());",
                    "  System.out.println(\"{\\\"pid\\\": \" + ProcessHandle.current().pid() + \", \\\"port\\\": \""
                            + " + s.getLocalPort() + \"}\");",
                    "  System.out.flush();",
                    "  while (true) { try (Socket c = s.accept()) {",
                    "    String line = new BufferedReader(new InputStreamReader(c.getInputStream())).readLine();",
                    "    c.getOutputStream().write((\"echo:\" + line + \"\\n\").getBytes()); } } } }"));
            String java = ProcessHandle.current().info().command().orElse("java");
            return startServing(viaShell(List.of(java, "-Xms16m", "-Xmx64m", "-XX:+UseSerialGC",
                    "-XX:ReservedCodeCacheSize=32m", "-XX:TieredStopAtLevel=1", source.toString()), false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Any command that prints nothing (sleep); its pid is the process's. Returns once the
     * process runs {@code comm} (wrappers such as prlimit and setpriv exec it in place) and
     * is blocked in the kernel function {@code blockedIn} (its /proc/PID/wchan, e.g.
     * hrtimer_nanosleep): only then has it finished starting up. A freshly exec'd sleep
     * still maps its locale files, which would move VmSize and VmLck under a test's feet.
     */
    static InjectionTarget command(String comm, String blockedIn, String... command) {
        InjectionTarget target = startServing(viaShell(List.of(command), true));
        Await.until(() -> procFile(target.pid, "comm") + " in " + procFile(target.pid, "wchan"),
                state -> state.equals(comm + " in " + blockedIn) || !target.process.isAlive(),
                "pid " + target.pid + " runs " + comm + " blocked in " + blockedIn, 10);
        return target;
    }

    /**
     * Returns once the process sleeps in the kernel again (state S in /proc/PID/stat, or it
     * has exited): its context switch into that sleep has been counted. After an injection the
     * target finishes resuming on its own time, after the injector has let go (a nanosleep
     * goes back to sleep through restart_syscall; its wchan then reads do_syscall_64).
     */
    void awaitAsleep() {
        Await.until(() -> {
            String stat = procFile(pid, "stat");
            return stat.isEmpty() ? "gone" : stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        }, state -> state.equals("S") || state.equals("gone"), "pid " + pid + " asleep (state S)", 10);
    }

    private static String comm(long pid) {
        return procFile(pid, "comm");
    }

    private static String procFile(long pid, String name) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/" + name)).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static InjectionTarget startServing(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String ready = line.get(30, TimeUnit.SECONDS);
            if (ready == null) {
                throw new AssertionError("the target " + command + " exited before it was ready");
            }
            return new InjectionTarget(process, JSON.readTree(ready));
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("the target " + command + " did not get ready: " + e, e);
        }
    }

    int pid() {
        return pid;
    }

    /** The listening socket's descriptor in the target (python accept-style modes). */
    int listenerFd() {
        return fd;
    }

    /** The shell that waits for the target: its exit status is the target's. */
    Process process() {
        return process;
    }

    /** The target's own descendant processes named {@code comm} (e.g. what strace started). */
    ProcessHandle descendant(String comm) {
        return Await.until(() -> ProcessHandle.of(pid).flatMap(p -> p.descendants()
                .filter(d -> comm(d.pid()).equals(comm)).findFirst()).orElse(null), d -> d != null,
                "a " + comm + " process under pid " + pid, 10);
    }

    /** Sends one line and returns the target's answer line: "echo:LINE" (or "count:N" in mode signals). */
    String request(String line) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("request to pid " + pid + " port " + port + " failed", e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String python3() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static synchronized Path script() {
        if (script == null) {
            try {
                Path copy = Files.createTempFile("livetune-it-inject_target", ".py");
                copy.toFile().deleteOnExit();
                try (InputStream in = InjectionTarget.class.getResourceAsStream("/it/inject_target.py")) {
                    if (in == null) {
                        throw new IOException("test resource /it/inject_target.py is missing");
                    }
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                script = copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return script;
    }
}
