package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Json;
import io.livetune.executor.modules.ModuleRunner;
import io.livetune.executor.modules.Modules;
import io.livetune.executor.modules.socketinfo.ReadingSlice;
import io.livetune.executor.modules.socketinfo.SocketInfoModule;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.sockets.Family;
import io.livetune.executor.sockets.KernelDefaults;
import io.livetune.executor.sockets.NetworkNamespaces;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketInspector;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * netstat with every socket option: the socket_info module, rendered as a table, or watched
 * for changes. It runs the module itself, so it shows exactly what the Ansible task returns.
 */
@Command(name = "sockets", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List TCP and UDP sockets of running processes with their socket options, "
                + "like netstat -tanp with an Options column. Only options that differ from the "
                + "kernel's defaults are shown unless --all is given."},
        footer = {"", "Examples:",
            "  sockets -tl                       listening TCP sockets and their options",
            "  sockets -p 1234 --all             every option of every socket of pid 1234",
            "  sockets --process nginx --json    the data the socket_info module returns",
            "  sockets -t --port 443 --watch 2   print option changes, opened and closed sockets every 2 s"})
public final class SocketsCommand implements Callable<Integer> {
    private static final double MIN_WATCH_SECONDS = 0.1;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final Io io;
    private io.livetune.executor.modules.Module module;
    /** Whether the last reading failed on its arguments (a usage error: exit status 2). */
    private boolean invalidArguments;

    @Mixin
    private SocketFilterOptions filters;
    @Option(names = {"-p", "--pid"}, split = ",", paramLabel = "PID", description = "Sockets of these processes.")
    private List<Integer> pids;
    @Option(names = "--process", paramLabel = "REGEX", description = "Sockets of processes whose name matches.")
    private String process;
    @Option(names = {"-a", "--all"}, description = "Show every option, not only those that differ from the default.")
    private boolean all;
    @Option(names = "--json", description = "Print the socket_info module's JSON result, on one line.")
    private boolean json;
    @Option(names = "--pretty", description = "With --json: indent it, one field a line.")
    private boolean pretty;
    @Option(names = "--watch", paramLabel = "SECONDS",
            description = {"Re-read every SECONDS and print each change, timestamped. Ctrl-C ends it. Every "
                + "reading sees sockets opened and closed and the values the kernel's socket diagnostics carry "
                + "(buffers, mark, TOS/traffic class, congestion control, backlog); the other options are read "
                + "for " + SocketWatch.SOCKETS_PER_SECOND + " sockets per second of SECONDS, in turns, so with "
                + "more sockets a change to them shows within a few readings."})
    private Double watch;
    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N re-reads.")
    private Integer count;

    public SocketsCommand(Io io) {
        this.io = io;
    }

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        validate();
        ObjectNode result = json && !pretty && watch == null ? readStreaming() : read();
        if (invalidArguments && !json) {
            throw UsageErrors.of(spec, result.path("msg").asText(), java.util.Map.of("local_port", "--port"));
        }
        if (json) {
            // Straight onto stdout: 20,000 sockets make a 10 MB document, which as a String
            // first would cost twice its size in memory.
            Json.write(result, io.out(), pretty);
            io.out().println();
        } else {
            printTable(result);
        }
        if (result.path("failed").asBoolean()) {
            return invalidArguments ? 2 : 1;
        }
        if (watch != null) {
            long intervalMillis = (long) (watch * 1000);
            ReadingSlice slice = new ReadingSlice(SocketWatch.socketsPerReading(intervalMillis));
            SocketWatch watcher = new SocketWatch(io, CLOCK, slice);
            SocketInfoModule sliced = new SocketInfoModule(watcher.sink(), slice); // its schema loaded once
            watcher.watch(result, () -> run(sliced), intervalMillis, count);
        }
        return 0;
    }

    /** Bad flags are refused before anything is read, naming the flag. */
    private void validate() {
        if (watch != null && !(watch >= MIN_WATCH_SECONDS)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--watch: must be at least " + MIN_WATCH_SECONDS + " seconds, got " + watch);
        }
        if (count != null && watch == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count: only goes with --watch");
        }
        if (pretty && !json) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--pretty: only goes with --json");
        }
        if (count != null && count < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count: must be 1 or more");
        }
    }

    private ObjectNode read() throws Exception {
        if (module == null) {
            module = Modules.get(SocketInfoModule.NAME); // loads its schema: once, not at every --watch reading
        }
        return run(module);
    }

    /** The module's result, its sockets written as they are read (see {@link WrittenEntries}). */
    private ObjectNode readStreaming() throws Exception {
        WrittenEntries entries = new WrittenEntries();
        ObjectNode result = run(new SocketInfoModule(entries));
        if (result.has("sockets")) {
            result.putPOJO("sockets", entries);
        }
        return result;
    }

    private ObjectNode run(io.livetune.executor.modules.Module module) throws Exception {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        if (pids != null) {
            pids.forEach(args.putArray("pid")::add);
        }
        if (process != null) {
            args.put("process", process);
        }
        filters.applyTo(args);
        ModuleRunner.Outcome outcome = ModuleRunner.execute(module, Json.write(args));
        invalidArguments = outcome.invalidArguments();
        return outcome.json();
    }

    private void printTable(ObjectNode result) throws Exception {
        for (JsonNode warning : result.path("warnings")) {
            io.err().println("warning: " + warning.asText());
        }
        if (result.path("failed").asBoolean()) {
            io.err().println("error: " + result.path("msg").asText());
            return;
        }
        KernelDefaults defaults = all ? null
                : new KernelDefaults(LinuxSyscalls.get(), new NetworkNamespaces(LinuxSyscalls.get(), new ProcFs()));
        String format = "%-5s %6s %6s %-28s %-28s %-12s %-22s %s%n";
        // Rows go out some 64 KiB at a time: stdout flushes at every line it is given, which
        // for 20,000 sockets was 20,000 write(2) calls.
        StringBuilder rows = new StringBuilder(1 << 17);
        java.util.Formatter table = new java.util.Formatter(rows);
        table.format(format, "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State",
                "PID/Program", "Options");
        for (JsonNode socket : result.path("sockets")) {
            boolean listener = socket.has("backlog");
            table.format(format, socket.path("protocol").asText() + (socket.path("family").asText().equals("ipv6")
                            ? "6" : ""),
                    listener ? socket.path("accept_queue").asText() : socket.path("recv_q").asText(),
                    listener ? socket.path("backlog").asText() : socket.path("send_q").asText(),
                    socket.path("local").asText(), socket.path("remote").asText(),
                    socket.path("state").asText().toUpperCase(Locale.ROOT), owners(socket),
                    options(socket, defaults));
            if (rows.length() >= 1 << 16) {
                io.out().print(rows);
                rows.setLength(0);
            }
        }
        io.out().print(rows);
        io.out().flush();
    }

    private static String owners(JsonNode socket) {
        List<String> owners = new ArrayList<>();
        socket.path("owners").forEach(owner -> owners.add(owner.path("pid").asText() + "/"
                + owner.path("process").asText()));
        return String.join(",", owners);
    }

    private static String options(JsonNode socket, KernelDefaults defaults) {
        Map<String, JsonNode> usual = defaults == null ? new LinkedHashMap<>()
                : defaults.of(Protocol.valueOf(socket.path("protocol").asText().toUpperCase(Locale.ROOT)),
                        Family.valueOf(socket.path("family").asText().toUpperCase(Locale.ROOT)),
                        socket.path("netns").asText(), socket.path("owners").path(0).path("pid").asInt());
        List<String> shown = new ArrayList<>();
        socket.path("options").fields().forEachRemaining(option -> {
            if (!option.getValue().equals(usual.get(option.getKey()))) {
                shown.add(SocketInspector.compact(option.getKey(), option.getValue()));
            }
        });
        socket.path("diagnostics").forEach(note -> shown.add("!" + note.asText()));
        socket.path("notes").forEach(note -> shown.add("(" + note.asText() + ")"));
        return String.join(",", shown);
    }
}
