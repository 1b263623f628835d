package io.livetune.executor.procfs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One process as /proc shows it when it was scanned. {@code startTime} (clock ticks after
 * boot, field 22 of /proc/PID/stat) tells this process apart from a later one that reuses
 * its pid.
 */
public final class ProcessInfo {
    private final int pid;
    private final int ppid;
    private final String name;
    private final long startTime;
    private final List<String> argv;

    ProcessInfo(int pid, int ppid, String name, long startTime, List<String> argv) {
        this.pid = pid;
        this.ppid = ppid;
        this.name = name;
        this.startTime = startTime;
        this.argv = argv;
    }

    public static ProcessInfo read(ProcFs proc, int pid) throws IOException {
        Stat stat = Stat.parse(pid, proc.read(pid, "stat"));
        List<String> argv = splitNul(proc.readBytes(pid, "cmdline"));
        return new ProcessInfo(pid, stat.ppid, stat.comm, stat.startTime, argv);
    }

    /** Start time of the process now holding {@code pid}, to detect exit and pid reuse. */
    public static long startTimeOf(ProcFs proc, int pid) throws IOException {
        return Stat.parse(pid, proc.read(pid, "stat")).startTime;
    }

    public int pid() {
        return pid;
    }

    public int ppid() {
        return ppid;
    }

    /** The kernel's name for it (comm: at most 15 characters). */
    public String name() {
        return name;
    }

    public long startTime() {
        return startTime;
    }

    public List<String> argv() {
        return argv;
    }

    /** The command line as ps shows it; empty for kernel threads. */
    public String commandLine() {
        return String.join(" ", argv);
    }

    public boolean isKernelThread() {
        return argv.isEmpty();
    }

    private static List<String> splitNul(byte[] bytes) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                parts.add(new String(bytes, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            parts.add(new String(bytes, start, bytes.length - start, java.nio.charset.StandardCharsets.UTF_8));
        }
        return parts;
    }

    /** /proc/PID/stat: the name sits in parentheses and may itself hold spaces and ')'. */
    private static final class Stat {
        final String comm;
        final int ppid;
        final long startTime;

        private Stat(String comm, int ppid, long startTime) {
            this.comm = comm;
            this.ppid = ppid;
            this.startTime = startTime;
        }

        static Stat parse(int pid, String text) throws IOException {
            int open = text.indexOf('(');
            int close = text.lastIndexOf(')');
            if (open < 0 || close < open) {
                throw new IOException("unexpected /proc/" + pid + "/stat: " + text);
            }
            String[] rest = text.substring(close + 2).trim().split(" ");
            // rest[0] is field 3 (state); ppid is field 4, starttime field 22.
            return new Stat(text.substring(open + 1, close), Integer.parseInt(rest[1]), Long.parseLong(rest[19]));
        }
    }
}
