package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Option;

/** The process selectors as flags (a picocli argument group: exactly one), turned into module arguments. */
final class ProcessOptions {
    @Option(names = {"-p", "--pid"}, split = ",", paramLabel = "PID", description = "Process id(s).")
    List<Integer> pids;
    @Option(names = "--pidfile", paramLabel = "FILE", description = "File holding the process id.")
    String pidfile;
    @Option(names = "--process", paramLabel = "REGEX", description = "Regex matching the whole process name.")
    String process;
    @Option(names = "--cmdline", paramLabel = "REGEX", description = "Regex found in the command line.")
    String cmdline;
    @Option(names = "--unit", paramLabel = "UNIT", description = "systemd unit.")
    String unit;

    void applyTo(ObjectNode args) {
        if (pids != null) {
            pids.forEach(args.putArray("pid")::add);
        }
        putIfSet(args, "pidfile", pidfile);
        putIfSet(args, "process", process);
        putIfSet(args, "cmdline", cmdline);
        putIfSet(args, "unit", unit);
    }

    private static void putIfSet(ObjectNode args, String key, String value) {
        if (value != null) {
            args.put(key, value);
        }
    }
}
