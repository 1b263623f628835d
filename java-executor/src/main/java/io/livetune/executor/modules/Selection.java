package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.procfs.ProcessCriteria;
import io.livetune.executor.sockets.Addresses;
import io.livetune.executor.sockets.Family;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketFilter;
import java.net.InetAddress;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which processes and which of their sockets a task is about: the selectors every socket
 * module shares (schemas/selection.schema.json), read from validated arguments.
 */
public final class Selection {
    private static final String[] SOCKET_FILTERS = {"fd", "protocol", "family", "state", "local_port",
        "local_address", "remote_port", "remote_address"};

    private final ProcessCriteria processes;
    private final SocketFilter sockets;
    private final String socketsText;

    private Selection(ProcessCriteria processes, SocketFilter sockets, String socketsText) {
        this.processes = processes;
        this.sockets = sockets;
        this.socketsText = socketsText;
    }

    /** Copies the selector properties into a module's schema. */
    public static void addTo(ObjectNode moduleSchema) {
        ((ObjectNode) moduleSchema.get("properties")).setAll(
                (ObjectNode) ModuleSchema.resource("selection").get("properties"));
    }

    /**
     * Copies only the process selectors (pid, pidfile, process, cmdline, unit) into a module's
     * schema: for modules about processes rather than sockets (memory_lock).
     */
    public static void addProcessSelectorsTo(ObjectNode moduleSchema) {
        ObjectNode all = (ObjectNode) ModuleSchema.resource("selection").get("properties");
        ObjectNode properties = (ObjectNode) moduleSchema.get("properties");
        for (String selector : ProcessCriteria.SELECTORS) {
            properties.set(selector, all.get(selector));
        }
    }

    /** The processes picked by exactly one process selector, for modules without socket filters. */
    public static ProcessCriteria parseProcesses(JsonNode args) {
        return processCriteria(args, true);
    }

    /**
     * @param processRequired whether one process selector must be given; without it, no
     *                        selector means every process on the host
     */
    public static Selection parse(JsonNode args, boolean processRequired) {
        return new Selection(processCriteria(args, processRequired), socketFilter(args), describeSockets(args));
    }

    public ProcessCriteria processes() {
        return processes;
    }

    public SocketFilter sockets() {
        return sockets;
    }

    /** "protocol=udp local_port=514", for "no … socket found" messages. */
    public String socketsText() {
        return socketsText;
    }

    private static ProcessCriteria processCriteria(JsonNode args, boolean required) {
        List<String> given = new ArrayList<>();
        for (String selector : ProcessCriteria.SELECTORS) {
            if (args.has(selector)) {
                given.add(selector);
            }
        }
        if (given.isEmpty() && !required) {
            return ProcessCriteria.all();
        }
        if (given.size() != 1) {
            throw new InvalidArguments((required ? "exactly" : "at most") + " one of "
                    + String.join(", ", ProcessCriteria.SELECTORS) + " must pick the processes"
                    + (given.isEmpty() ? "" : "; got " + String.join(" and ", given)));
        }
        switch (given.get(0)) {
            case "pid":
                return ProcessCriteria.pids(integers(args.get("pid")));
            case "pidfile":
                return ProcessCriteria.pidfile(Paths.get(args.get("pidfile").asText()));
            case "process":
                return ProcessCriteria.name(regex("process", args.get("process").asText()));
            case "cmdline":
                return ProcessCriteria.commandLine(regex("cmdline", args.get("cmdline").asText()));
            default:
                return ProcessCriteria.unit(args.get("unit").asText());
        }
    }

    private static SocketFilter socketFilter(JsonNode args) {
        SocketFilter filter = new SocketFilter();
        if (args.has("fd")) {
            filter.fds(new LinkedHashSet<>(integers(args.get("fd"))));
        }
        if (args.has("protocol")) {
            filter.protocol(Protocol.valueOf(args.get("protocol").asText().toUpperCase(Locale.ROOT)));
        }
        if (args.has("family")) {
            filter.family(Family.valueOf(args.get("family").asText().toUpperCase(Locale.ROOT)));
        }
        filter.state(SocketFilter.StateFilter.valueOf(args.path("state").asText("any").toUpperCase(Locale.ROOT)));
        if (args.has("local_port")) {
            filter.localPort(args.get("local_port").asInt());
        }
        if (args.has("remote_port")) {
            filter.remotePort(args.get("remote_port").asInt());
        }
        filter.localAddress(address(args, "local_address"));
        filter.remoteAddress(address(args, "remote_address"));
        return filter;
    }

    private static String describeSockets(JsonNode args) {
        List<String> parts = new ArrayList<>();
        for (String key : SOCKET_FILTERS) {
            if (args.has(key)) {
                parts.add(key + "=" + Json.write(args.get(key)).replace("\"", ""));
            }
        }
        return parts.isEmpty() ? "TCP or UDP" : String.join(" ", parts);
    }

    private static InetAddress address(JsonNode args, String field) {
        if (!args.has(field)) {
            return null;
        }
        InetAddress address = Addresses.parseLiteral(args.get(field).asText());
        if (address == null) {
            throw new InvalidArguments(field + ": must be an IP address such as 127.0.0.1 or ::1 (names are not resolved)");
        }
        return address;
    }

    private static List<Integer> integers(JsonNode node) {
        List<Integer> values = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                values.add(item.asInt());
            }
        } else {
            values.add(node.asInt());
        }
        return values;
    }

    private static Pattern regex(String field, String text) {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw new InvalidArguments(field + ": not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }
}
