package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.memorylock.MemoryLockModule;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The memory_lock module for people at a shell: lock a running process in RAM (or unlock
 * it), shown as a table of locked memory before and after. It runs the module ({@link ModuleCommand}).
 */
@Command(name = "lock", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lock the memory of running processes in RAM, or unlock it, without restarting them. "
                + "mlockall (or mlock of each code mapping) runs inside the process for an instant."},
        footer = {"", "Examples:",
            "  lock -p 1234                       lock all of pid 1234's memory",
            "  lock --unit postgresql --check     what would be locked, changing nothing",
            "  lock --process myd --text          lock only its executable mappings",
            "  lock -p 1234 --future --raise-limit   also future mappings; raise RLIMIT_MEMLOCK if needed",
            "  lock -p 1234 --unlock"})
public final class LockCommand extends ModuleCommand {
    /** The module's argument names as this command's flags, for usage errors. */
    private static final Map<String, String> FLAGS = Map.of("future", "--future", "onfault", "--onfault",
            "raise_limit", "--raise-limit", "scope", "--text", "state", "--unlock", "missing", "--missing");

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Processes (exactly one):%n")
    private ProcessOptions processes;

    @Option(names = "--unlock", description = "Unlock instead (munlockall, or munlock of the code mappings).")
    private boolean unlock;
    @Option(names = "--text", description = "Only the executable mappings (the program's code), not all memory.")
    private boolean text;
    @Option(names = "--future", description = "Also lock what the process maps from now on (MCL_FUTURE).")
    private boolean future;
    @Option(names = "--onfault", description = "Lock pages as they are touched, not all now (MCL_ONFAULT).")
    private boolean onfault;
    @Option(names = "--raise-limit", description = "Raise the process's RLIMIT_MEMLOCK with prlimit if too low.")
    private boolean raiseLimit;
    @Mixin
    private MissingOption missing;

    public LockCommand(Io io) {
        super(io);
    }

    @Override
    String module() {
        return MemoryLockModule.NAME;
    }

    @Override
    Map<String, String> flags() {
        return FLAGS;
    }

    @Override
    ObjectNode arguments() {
        ObjectNode args = JSON.createObjectNode();
        processes.applyTo(args);
        args.put("state", unlock ? "unlocked" : "locked");
        args.put("scope", text ? "text" : "all");
        if (future) {
            args.put("future", true);
        }
        if (onfault) {
            args.put("onfault", true);
        }
        args.put("raise_limit", raiseLimit);
        missing.applyTo(args);
        return args;
    }

    @Override
    void printTable(JsonNode result) {
        if (result.path("processes").size() > 0) {
            String format = "%-8s %-16s %-24s %-16s %s%n";
            io.out().printf(format, "PID", "PROCESS", "LOCKED kB", "MAPPINGS LOCKED", "RLIMIT_MEMLOCK (soft)");
            for (JsonNode process : result.get("processes")) {
                JsonNode before = process.path("before");
                JsonNode after = process.path("after");
                io.out().printf(format, process.path("pid").asText(), process.path("name").asText(),
                        change(before.path("locked_kb"), after.path("locked_kb")),
                        after.path("mappings_locked").asText() + "/" + after.path("mappings").asText(),
                        change(before.path("memlock_limit").path("soft"), after.path("memlock_limit").path("soft")));
            }
        }
    }

    private static String change(JsonNode before, JsonNode after) {
        return before.equals(after) || after.isMissingNode() || after.isNull() ? before.asText()
                : before.asText() + " -> " + after.asText();
    }
}
