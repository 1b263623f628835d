package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.procfs.ProcessCriteria;
import io.livetune.executor.sockets.Addresses;
import io.livetune.executor.sockets.Backlog;
import io.livetune.executor.sockets.Family;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.RawOption;
import io.livetune.executor.sockets.SocketFilter;
import io.livetune.executor.sockets.SocketSetting;
import java.net.InetAddress;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The arguments of one socket_option task, after schema validation: which processes, which
 * of their sockets, what to set. The rules a schema cannot phrase well (exactly one process
 * selector, at least one thing to set) are checked here, with messages that name the fields.
 */
final class SocketOptionRequest {
    final ProcessCriteria processes;
    final SocketFilter sockets;
    final String socketFilterText;
    final Map<SocketSetting, JsonNode> settings;
    final boolean force;
    final boolean ignoreMissing;

    private SocketOptionRequest(ProcessCriteria processes, SocketFilter sockets, String socketFilterText,
            Map<SocketSetting, JsonNode> settings, boolean force, boolean ignoreMissing) {
        this.processes = processes;
        this.sockets = sockets;
        this.socketFilterText = socketFilterText;
        this.settings = settings;
        this.force = force;
        this.ignoreMissing = ignoreMissing;
    }

    static SocketOptionRequest parse(JsonNode args) {
        return new SocketOptionRequest(processCriteria(args), socketFilter(args), describeFilter(args),
                settings(args), args.path("force").asBoolean(false),
                "ignore".equals(args.path("missing").asText("fail")));
    }

    private static ProcessCriteria processCriteria(JsonNode args) {
        List<String> given = new ArrayList<>();
        for (String selector : ProcessCriteria.SELECTORS) {
            if (args.has(selector)) {
                given.add(selector);
            }
        }
        if (given.size() != 1) {
            throw new TaskFailure("exactly one of " + String.join(", ", ProcessCriteria.SELECTORS)
                    + " must pick the processes" + (given.isEmpty() ? "" : "; got " + String.join(" and ", given)));
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

    /** "protocol=udp local_port=514", for "no socket matched …" messages. */
    private static String describeFilter(JsonNode args) {
        List<String> parts = new ArrayList<>();
        for (String key : new String[] {"fd", "protocol", "family", "state", "local_port", "local_address",
            "remote_port", "remote_address"}) {
            if (args.has(key)) {
                parts.add(key + "=" + args.get(key).toString().replace("\"", ""));
            }
        }
        return parts.isEmpty() ? "any TCP or UDP socket" : String.join(" ", parts);
    }

    private static Map<SocketSetting, JsonNode> settings(JsonNode args) {
        Map<SocketSetting, JsonNode> settings = new LinkedHashMap<>();
        args.path("options").fields().forEachRemaining(entry ->
                settings.put(OptionRegistry.get(entry.getKey()), entry.getValue()));
        for (JsonNode raw : args.path("raw")) {
            settings.put(new RawOption(raw.get("level").asInt(), raw.get("optname").asInt()), raw.get("value"));
        }
        if (args.has("backlog")) {
            settings.put(Backlog.INSTANCE, args.get("backlog"));
        }
        if (settings.isEmpty()) {
            throw new TaskFailure("nothing to set: give options, option and value, backlog or raw");
        }
        return settings;
    }

    private static InetAddress address(JsonNode args, String field) {
        if (!args.has(field)) {
            return null;
        }
        InetAddress address = Addresses.parseLiteral(args.get(field).asText());
        if (address == null) {
            throw new TaskFailure(field + ": must be an IP address such as 127.0.0.1 or ::1 (names are not resolved)");
        }
        return address;
    }

    private static List<Integer> integers(JsonNode node) {
        List<Integer> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(item -> values.add(item.asInt()));
        } else {
            values.add(node.asInt());
        }
        return values;
    }

    private static Pattern regex(String field, String text) {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw new TaskFailure(field + ": not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }

    /** Names of the settings, for messages. */
    Set<String> settingNames() {
        Set<String> names = new LinkedHashSet<>();
        settings.keySet().forEach(setting -> names.add(setting.name()));
        return names;
    }
}
