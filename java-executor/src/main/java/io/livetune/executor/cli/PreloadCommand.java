package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.preload.PreloadWrapperModule;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The preload_wrapper module for people at a shell: install the preload library and wire it
 * into a systemd service or an exec wrapper. It builds the module's JSON arguments and runs
 * the module ({@link ModuleCommand}), so it behaves exactly as the Ansible task does.
 */
@Command(name = "preload", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make settings hold from a program's first instruction and across restarts: install "
                + "livetune's LD_PRELOAD library and set it up for a systemd service (a drop-in) or an exec "
                + "wrapper script, with what it should set."},
        footer = {"", "Examples:",
            "  preload --unit redis-server --backlog 4096 -o so_keepalive=true --check --diff",
            "  preload --unit redis-server --backlog 4096 -o so_keepalive=true",
            "  preload --wrapper /usr/local/bin/redis-tuned --backlog 4096 \\",
            "          -o tcp_nodelay=true -- /usr/bin/redis-server /etc/redis/redis.conf",
            "  preload --unit myapp --mlock current,future --trace",
            "  preload --unit redis-server --absent",
            "Option values as for `set`: integers, true/false, a name for tcp_congestion,",
            "so_linger='{\"enabled\":true,\"seconds\":5}'. List every option with: options"})
public final class PreloadCommand extends ModuleCommand {
    /** The module's argument names as this command's flags, for usage errors. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("unit", "--unit"),
            Map.entry("wrapper", "--wrapper"), Map.entry("command", "COMMAND"), Map.entry("backlog", "--backlog"),
            Map.entry("mlock", "--mlock"), Map.entry("trace", "--trace"), Map.entry("respect_app", "--respect-app"),
            Map.entry("library_dir", "--library-dir"), Map.entry("daemon_reload", "--no-daemon-reload"),
            Map.entry("state", "--absent"));

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Where (exactly one):%n")
    private Where where;

    static final class Where {
        @Option(names = "--unit", paramLabel = "UNIT",
                description = "systemd service: writes /etc/systemd/system/UNIT.d/50-livetune.conf.")
        String unit;
        @Option(names = "--wrapper", paramLabel = "PATH",
                description = "Exec wrapper script to write; the program and its arguments follow --.")
        String wrapper;
    }

    @Option(names = "--backlog", paramLabel = "N", description = "Listen backlog of every TCP listener.")
    private Integer backlog;
    @Option(names = {"-o", "--option"}, paramLabel = "NAME=VALUE",
            description = "A socket option for every new socket of the kinds it fits (repeatable).")
    private List<String> options;
    @Option(names = "--mlock", paramLabel = "WHAT", split = ",",
            description = "mlockall at start: current, future, onfault (comma-separated).")
    private List<String> mlock;
    @Option(names = "--trace", paramLabel = "WHERE", arity = "0..1", fallbackValue = "stderr",
            description = "Log the program's own setsockopt and listen calls: stderr (default) or syslog.")
    private String trace;
    @Option(names = "--respect-app", description = "Let the program's own setsockopt win.")
    private boolean respectApp;
    @Option(names = "--library-dir", paramLabel = "DIR", description = "Where the library goes "
            + "(default /usr/local/lib/livetune).")
    private String libraryDir;
    @Option(names = "--no-daemon-reload", description = "Do not run systemctl daemon-reload.")
    private boolean noDaemonReload;
    @Option(names = "--absent", description = "Remove the drop-in or wrapper instead (the library stays).")
    private boolean absent;
    @Option(names = "--diff", description = "Show the files' changes.")
    private boolean diff;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "With --wrapper: the program and the arguments it always gets, after --.")
    private List<String> command;

    public PreloadCommand(Io io) {
        super(io);
    }

    @Override
    String module() {
        return PreloadWrapperModule.NAME;
    }

    @Override
    Map<String, String> flags() {
        return FLAGS;
    }

    @Override
    ObjectNode arguments() {
        ObjectNode args = JSON.createObjectNode();
        if (where.unit != null) {
            args.put("unit", where.unit);
        } else {
            args.put("wrapper", where.wrapper);
        }
        if (command != null && !command.isEmpty()) {
            command.forEach(args.putArray("command")::add);
        }
        if (backlog != null) {
            args.put("backlog", backlog);
        }
        if (options != null) {
            ObjectNode values = args.putObject("options");
            for (String assignment : options) {
                int equals = assignment.indexOf('=');
                values.set(equals < 0 ? assignment : assignment.substring(0, equals),
                        parseValue(equals < 0 ? "" : assignment.substring(equals + 1)));
            }
        }
        if (mlock != null) {
            mlock.forEach(args.putArray("mlock")::add);
        }
        if (trace != null) {
            args.put("trace", trace);
        }
        if (respectApp) {
            args.put("respect_app", true);
        }
        if (libraryDir != null) {
            args.put("library_dir", libraryDir);
        }
        if (noDaemonReload) {
            args.put("daemon_reload", false);
        }
        if (absent) {
            args.put("state", "absent");
        }
        args.put("_diff", diff);
        return args;
    }

    @Override
    void printTable(JsonNode result) {
        if (result.path("files").size() > 0) {
            io.out().printf("%-10s %-8s %s%n", "ACTION", "KIND", "FILE");
            for (JsonNode file : result.get("files")) {
                io.out().printf("%-10s %-8s %s%n", file.path("action").asText(), file.path("kind").asText(),
                        file.path("path").asText());
            }
        }
        for (JsonNode entry : result.path("diff")) {
            io.out().println("--- " + entry.path("before_header").asText());
            io.out().println("+++ " + entry.path("after_header").asText());
            lineDiff(lines(entry.path("before").asText()), lines(entry.path("after").asText())).forEach(io.out()::println);
        }
    }

    private static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    /** The lines of both texts, each marked " ", "-" or "+" (a longest-common-subsequence diff: the files are short). */
    static List<String> lineDiff(List<String> before, List<String> after) {
        int[][] common = new int[before.size() + 1][after.size() + 1];
        for (int i = before.size() - 1; i >= 0; i--) {
            for (int j = after.size() - 1; j >= 0; j--) {
                common[i][j] = before.get(i).equals(after.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> out = new java.util.ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            if (i < before.size() && j < after.size() && before.get(i).equals(after.get(j))) {
                out.add(" " + before.get(i++));
                j++;
            } else if (i < before.size() && (j == after.size() || common[i + 1][j] >= common[i][j + 1])) {
                out.add("-" + before.get(i++));
            } else {
                out.add("+" + after.get(j++));
            }
        }
        return out;
    }
}
