package io.livetune.executor.procfs;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** How the user picked the target processes: exactly one of these ways. */
public final class ProcessCriteria {
    /** The selector names as users write them, in the order messages list them. */
    public static final List<String> SELECTORS = List.of("pid", "pidfile", "process", "cmdline", "unit");

    private final List<Integer> pids;
    private final Path pidfile;
    private final Pattern name;
    private final Pattern commandLine;
    private final String unit;

    private ProcessCriteria(List<Integer> pids, Path pidfile, Pattern name, Pattern commandLine, String unit) {
        this.pids = pids;
        this.pidfile = pidfile;
        this.name = name;
        this.commandLine = commandLine;
        this.unit = unit;
    }

    /** Every process on the host (but livetune itself). */
    public static ProcessCriteria all() {
        return new ProcessCriteria(null, null, null, null, null);
    }

    public boolean isEverything() {
        return pids == null && pidfile == null && name == null && commandLine == null && unit == null;
    }

    public static ProcessCriteria pids(List<Integer> pids) {
        return new ProcessCriteria(pids, null, null, null, null);
    }

    public static ProcessCriteria pidfile(Path pidfile) {
        return new ProcessCriteria(null, pidfile, null, null, null);
    }

    /** The regex must match the whole process name, so "nginx" does not also pick "nginx-exporter". */
    public static ProcessCriteria name(Pattern name) {
        return new ProcessCriteria(null, null, name, null, null);
    }

    /** The regex is searched for anywhere in the command line. */
    public static ProcessCriteria commandLine(Pattern commandLine) {
        return new ProcessCriteria(null, null, null, commandLine, null);
    }

    /** A systemd unit; "nginx" means "nginx.service". */
    public static ProcessCriteria unit(String unit) {
        return new ProcessCriteria(null, null, null, null, unit.contains(".") ? unit : unit + ".service");
    }

    List<Integer> pids() {
        return pids;
    }

    Path pidfile() {
        return pidfile;
    }

    Pattern name() {
        return name;
    }

    Pattern commandLine() {
        return commandLine;
    }

    String unit() {
        return unit;
    }

    /** How the selection reads in messages: "process=^nginx$". */
    public String describe() {
        if (pids != null) {
            return "pid=" + pids.toString().replaceAll("[\\[\\] ]", "");
        }
        if (pidfile != null) {
            return "pidfile=" + pidfile;
        }
        if (name != null) {
            return "process=" + name.pattern();
        }
        if (commandLine != null) {
            return "cmdline=" + commandLine.pattern();
        }
        return unit != null ? "unit=" + unit : "any process";
    }
}
