package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real process (python3, stdlib only: it/socket_target.py) that holds the sockets of a
 * {@link TargetSpec}. It prints one JSON line when every socket is open (that line is the
 * synchronisation: no sleeps), then answers {@code OPTS <fd>} with its own getsockopt view.
 * Close it (tests do, in @AfterEach) to kill it and everything it forked.
 */
final class TargetProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long REPLY_TIMEOUT_SECONDS = 15;
    private static final String END_OF_OUTPUT = "\u0000end-of-output";
    private static Path script;

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final File stderrFile;
    private final String marker;
    private final long pid;
    private final long namespacePid;
    private final OptionalLong childPid;
    private final List<TargetSocket> sockets = new ArrayList<>();

    private TargetProcess(TargetSpec spec) throws IOException {
        this.marker = "livetune-it-" + UUID.randomUUID();
        this.stderrFile = File.createTempFile("livetune-it-target", ".err");
        // A shell that waits for the target starts it, so the target is never a child of this
        // JVM: the JVM's process reaper would take the ptrace stops of a child that the
        // executor (running in this same JVM) traces with method: ptrace. Our pipe stays the
        // target's stdin through fd 3 (a background job's own stdin is /dev/null).
        List<String> command = new ArrayList<>(List.of("sh", "-c", "exec 3<&0; \"$@\" <&3 3<&- & wait $!", "sh"));
        if (spec.ownNetworkNamespace) {
            command.addAll(List.of("unshare", "-n", "--", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""));
        }
        if (spec.withoutPtraceCapability) {
            command.addAll(List.of("setpriv", "--bounding-set", "-sys_ptrace", "--"));
        }
        if (spec.ownPidNamespace) {
            // The first fork in a new PID namespace gets ns_last_pid + 1: the shell (its init) sets it
            // for the target, which it starts and waits for, as a container's init would.
            command.addAll(List.of("unshare", "--pid", "--fork", "--mount-proc", "--", "sh", "-c",
                    spec.pidInNamespace > 1 ? "echo " + (spec.pidInNamespace - 1)
                            + " > /proc/sys/kernel/ns_last_pid && \"$0\" \"$@\"" : "exec \"$0\" \"$@\""));
        }
        if (spec.unlimitedMemlock) {
            command.addAll(List.of("prlimit", "--memlock=unlimited:unlimited", "--"));
        }
        if (spec.uid != null) {
            command.addAll(List.of("setpriv", "--reuid=" + spec.uid, "--regid=" + spec.uid, "--clear-groups", "--"));
        }
        command.addAll(List.of(python(), script().toString(), JSON.writeValueAsString(spec.toJsonMap()),
                "--marker=" + marker));
        this.process = new ProcessBuilder(command).redirectError(stderrFile).start();
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        startReader(process.getInputStream());
        JsonNode ready = readJsonLine("the ready line");
        this.namespacePid = ready.get("pid").asLong();
        this.pid = spec.ownPidNamespace ? hostPidOf(process, marker, namespacePid) : namespacePid;
        this.childPid = ready.path("child_pid").isNumber()
                ? OptionalLong.of(ready.get("child_pid").asLong()) : OptionalLong.empty();
        sockets.addAll(describedSockets(ready.get("sockets")));
    }

    private static List<TargetSocket> describedSockets(JsonNode described) {
        List<TargetSocket> list = new ArrayList<>();
        for (JsonNode s : described) {
            list.add(new TargetSocket(s.get("role").asText(), s.get("fd").asInt(), s.get("inode").asLong(),
                    s.get("family").asText(), s.get("protocol").asText(), s.get("local_address").asText(),
                    s.get("local_port").asInt(), s.get("remote_port").isNull() ? null : s.get("remote_port").asInt()));
        }
        return list;
    }

    static TargetProcess start(TargetSpec spec) {
        try {
            return new TargetProcess(spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the target process", e);
        }
    }

    long pid() {
        return pid;
    }

    /** The pid the target has in its own PID namespace (its getpid()): {@link #pid()} unless it has one of its own. */
    long namespacePid() {
        return namespacePid;
    }

    /**
     * The pid, seen from here, of our descendant that runs the target (its command line holds the
     * marker) and has {@code namespacePid} in its own namespace: the last field of NSpid.
     */
    private static long hostPidOf(Process process, String marker, long namespacePid) throws IOException {
        for (ProcessHandle handle : process.descendants().toList()) {
            Path proc = Path.of("/proc", Long.toString(handle.pid()));
            try {
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                String nsPid = Files.readAllLines(proc.resolve("status")).stream().filter(l -> l.startsWith("NSpid:"))
                        .findFirst().orElse("");
                String[] pids = nsPid.substring(nsPid.indexOf(':') + 1).strip().split("\\s+");
                if (cmdline.contains("--marker=" + marker) && !cmdline.contains("unshare") && pids.length > 1
                        && pids[pids.length - 1].equals(Long.toString(namespacePid))) {
                    return handle.pid();
                }
            } catch (IOException exitedMeanwhile) {
                // not the target
            }
        }
        throw new AssertionError("no descendant of the target's shell has pid " + namespacePid
                + " in a PID namespace of its own");
    }

    /** The pid of the forked child, for a target started {@link TargetSpec#withForkedChild()}. */
    long childPid() {
        return childPid.orElseThrow(() -> new AssertionError("this target forked no child"));
    }

    /** A string found only in this target's command line. */
    String marker() {
        return marker;
    }

    List<TargetSocket> sockets() {
        return List.copyOf(sockets);
    }

    /** The first socket with that role: listener, pair_listener, client, server, udp. */
    TargetSocket socket(String role) {
        return sockets.stream().filter(s -> s.role().equals(role)).findFirst()
                .orElseThrow(() -> new AssertionError("the target holds no " + role + " socket: " + sockets));
    }

    List<TargetSocket> sockets(String role) {
        return sockets.stream().filter(s -> s.role().equals(role)).toList();
    }

    /** The target's own getsockopt(2) view of its descriptor {@code fd}. */
    JsonNode ownOptions(int fd) {
        return ask("OPTS " + fd);
    }

    /** The forked child's own getsockopt(2) view of its descriptor {@code fd}. */
    JsonNode childOwnOptions(int fd) {
        return ask("CHILD_OPTS " + fd);
    }

    /** Shorthand: one integer option as the target's own getsockopt reports it. */
    int ownOption(TargetSocket socket, String option) {
        JsonNode value = ownOptions(socket.fd()).get(option);
        if (value == null || !value.isInt()) {
            throw new AssertionError("the target reports no integer " + option + " for fd " + socket.fd() + ": " + value);
        }
        return value.asInt();
    }

    /**
     * The target's own setsockopt(2) on its descriptor: {@code {"so_keepalive": 1, "tcp_congestion": "reno",
     * "so_linger": {"enabled": true, "seconds": 5}, "so_rcvtimeo": 1234}} (timeouts in ms). Returns its own
     * getsockopt view afterwards, as {@link #ownOptions}.
     */
    JsonNode setOwnOptions(TargetSocket socket, Map<String, Object> options) {
        try {
            return ask("SET " + socket.fd() + " " + JSON.writeValueAsString(options));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Opens one more socket while running (a socket spec as in {@link TargetSpec}); returns what it opened. */
    List<TargetSocket> openSocket(Map<String, Object> socketSpec) {
        JsonNode reply;
        try {
            reply = ask("OPEN " + JSON.writeValueAsString(socketSpec));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<TargetSocket> opened = describedSockets(reply.get("sockets"));
        sockets.addAll(opened);
        return opened;
    }

    /** Closes one of its sockets while running. */
    void closeSocket(TargetSocket socket) {
        ask("CLOSE " + socket.fd());
        sockets.remove(socket);
    }

    /** Sends {@code bytes} bytes on that socket (blocking), as the target's own write. */
    void sendBytes(TargetSocket socket, int bytes) {
        ask("SEND " + socket.fd() + " " + bytes);
    }

    /** Sends without blocking until the kernel takes no more (EAGAIN); returns the bytes it took. */
    long fill(TargetSocket socket) {
        return ask("FILL " + socket.fd()).get("sent").asLong();
    }

    /** Asks the target to exit and waits until it is gone (and reaped). */
    void exitAndWait() {
        send("EXIT");
        try {
            if (!process.waitFor(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("the target did not exit after EXIT");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stderrFile.delete();
    }

    private JsonNode ask(String command) {
        send(command);
        JsonNode reply = readJsonLine("the reply to " + command);
        if (reply.has("error")) {
            throw new AssertionError("the target answered " + command + " with " + reply);
        }
        return reply;
    }

    private void send(String command) {
        try {
            commands.write(command + "\n");
            commands.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot send " + command + " to the target: " + e + stderrText(), e);
        }
    }

    private JsonNode readJsonLine(String what) {
        String line;
        try {
            line = lines.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
        if (line == null) {
            throw new AssertionError("no " + what + " from the target within " + REPLY_TIMEOUT_SECONDS + " s" + stderrText());
        }
        if (line.equals(END_OF_OUTPUT)) {
            lines.add(END_OF_OUTPUT);
            throw new AssertionError("the target closed its output before " + what + stderrText());
        }
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("the target printed a line that is not JSON: " + line, e);
        }
    }

    private void startReader(InputStream stdout) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process was killed
            } finally {
                lines.add(END_OF_OUTPUT);
            }
        }, "target-stdout-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private String stderrText() {
        try {
            String text = Files.readString(stderrFile.toPath(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : "\ntarget stderr:\n" + text;
        } catch (IOException e) {
            return "";
        }
    }

    /** Debian's python3, not a pyenv shim (shims on PATH may pick another interpreter or fail). */
    private static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static synchronized Path script() throws IOException {
        if (script == null) {
            // Readable by every user: targets may run as another one (TargetSpec.asUser).
            Path copy = Files.createTempFile("livetune-it-socket_target", ".py",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            copy.toFile().deleteOnExit();
            try (InputStream in = TargetProcess.class.getResourceAsStream("/it/socket_target.py")) {
                if (in == null) {
                    throw new IOException("test resource /it/socket_target.py is missing");
                }
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            script = copy;
        }
        return script;
    }
}
