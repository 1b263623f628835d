package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * The socket_option module for people at a shell: the same arguments, spelled as flags,
 * and the result as a table. It builds the module's JSON arguments and runs the module
 * ({@link ModuleCommand}), so it behaves exactly as the Ansible task does.
 */
@Command(name = "set", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Set socket options (and the listen backlog) on sockets of running processes.",
        footer = {"", "Examples:",
            "  set -p 1234 -l --port 8080 backlog=4096 so_rcvbuf=8388608",
            "  set --process nginx -t so_keepalive=true tcp_keepidle=60",
            "  set --unit rsyslog.service -u --port 514 --check so_rcvbuf=8388608",
            "  set -p 1234 -u --missing=ignore so_rcvbuf=8388608   no UDP socket is not an error",
            "Values: integers, true/false, a name for tcp_congestion, so_linger='{\"enabled\":true,\"seconds\":5}'.",
            "List every option with: options"})
public final class SetCommand extends ModuleCommand {
    /** The module's argument names as this command's flags, for usage errors. */
    private static final Map<String, String> FLAGS = Map.of("fd", "--fd", "local_port", "--port",
            "local_address", "--address", "remote_port", "--remote-port", "remote_address", "--remote-address",
            "force", "--force", "missing", "--missing");

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Processes (exactly one):%n")
    private ProcessOptions processes;

    @Option(names = "--fd", split = ",", paramLabel = "FD", description = "Descriptor number(s).")
    private List<Integer> fds;
    @Mixin
    private SocketFilterOptions filters;
    @Option(names = {"-e", "--established"}, description = "Established connections only.")
    private boolean established;
    @Option(names = "--address", paramLabel = "IP", description = "Local address.")
    private String address;
    @Option(names = "--remote-port", paramLabel = "PORT", description = "Remote port.")
    private Integer remotePort;
    @Option(names = "--remote-address", paramLabel = "IP", description = "Remote address.")
    private String remoteAddress;
    @Option(names = "--force", description = "Pass net.core.rmem_max/wmem_max (SO_RCVBUFFORCE/SO_SNDBUFFORCE).")
    private boolean force;
    @Mixin
    private MissingOption missing;

    @Parameters(paramLabel = "NAME=VALUE", arity = "1..*",
            description = "What to set: an option name (see `options`) or backlog, and its value.")
    private List<String> assignments;

    public SetCommand(Io io) {
        super(io);
    }

    @Override
    String module() {
        return SocketOptionModule.NAME;
    }

    @Override
    Map<String, String> flags() {
        return FLAGS;
    }

    @Override
    ObjectNode arguments() {
        ObjectNode args = JSON.createObjectNode();
        processes.applyTo(args);
        if (fds != null) {
            fds.forEach(args.putArray("fd")::add);
        }
        filters.applyTo(args);
        if (established) {
            args.put("state", "established");
        }
        putIfSet(args, "local_address", address);
        if (remotePort != null) {
            args.put("remote_port", remotePort);
        }
        putIfSet(args, "remote_address", remoteAddress);
        ObjectNode options = args.putObject("options");
        for (String assignment : assignments) {
            int equals = assignment.indexOf('=');
            if (equals < 0) {
                throw new ParameterException(spec.commandLine(), assignment + ": no value; write " + assignment
                        + "=VALUE");
            }
            if (equals == 0) {
                throw new ParameterException(spec.commandLine(), "'" + assignment + "': no name before '='; write "
                        + "NAME=VALUE, such as so_rcvbuf=1048576 (the options command lists every option)");
            }
            String name = assignment.substring(0, equals);
            JsonNode value = parseValue(assignment.substring(equals + 1));
            if (name.equals("backlog")) {
                args.set("backlog", value);
            } else {
                options.set(name, value);
            }
        }
        if (options.isEmpty()) {
            args.remove("options");
        }
        args.put("force", force);
        missing.applyTo(args);
        return args;
    }

    private static void putIfSet(ObjectNode args, String key, String value) {
        if (value != null) {
            args.put(key, value);
        }
    }

    @Override
    void printTable(JsonNode result) {
        if (result.path("sockets").size() > 0) {
            io.out().printf("%-8s %-15s %-4s %-5s %-24s %-24s %-12s %s%n",
                    "PID", "PROCESS", "FD", "PROTO", "LOCAL", "REMOTE", "STATE", "CHANGES");
            for (JsonNode socket : result.get("sockets")) {
                io.out().printf("%-8s %-15s %-4s %-5s %-24s %-24s %-12s %s%n",
                        socket.path("pid").asText(), socket.path("process").asText(), socket.path("fd").asText(),
                        socket.path("protocol").asText(), socket.path("local").asText(),
                        socket.path("remote").asText(), socket.path("state").asText(), changes(socket));
            }
        }
    }

    private static String changes(JsonNode socket) {
        List<String> parts = new ArrayList<>();
        socket.path("after").fields().forEachRemaining(entry -> {
            JsonNode before = socket.path("before").path(entry.getKey());
            parts.add(before.equals(entry.getValue()) ? entry.getKey() + " " + before + " (unchanged)"
                    : entry.getKey() + " " + before + " -> " + entry.getValue());
        });
        return String.join(", ", parts);
    }
}
