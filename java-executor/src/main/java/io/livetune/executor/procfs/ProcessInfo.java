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
    /** PF_KTHREAD in the flags of /proc/PID/stat (include/linux/sched.h). */
    private static final long PF_KTHREAD = 0x00200000;

    private final int pid;
    private final int ppid;
    private final String name;
    private final long startTime;
    private final List<String> argv;
    private final char state;
    private final long flags;

    ProcessInfo(int pid, int ppid, String name, long startTime, List<String> argv, char state, long flags) {
        this.pid = pid;
        this.ppid = ppid;
        this.name = name;
        this.startTime = startTime;
        this.argv = argv;
        this.state = state;
        this.flags = flags;
    }

    public static ProcessInfo read(ProcFs proc, int pid) throws IOException {
        Stat stat = Stat.parse(pid, proc.read(pid, "stat"));
        List<String> argv = splitNul(proc.readBytes(pid, "cmdline"));
        return new ProcessInfo(pid, stat.ppid, stat.comm, stat.startTime, argv, stat.state, stat.flags);
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

    /** No command line: a kernel thread, or a zombie (searches pass over both). */
    public boolean isKernelThread() {
        return argv.isEmpty();
    }

    /** A thread of the kernel's own (kthreadd, kworker/…), by its PF_KTHREAD flag: no user memory, no descriptors. */
    public boolean isKernelOwnThread() {
        return (flags & PF_KTHREAD) != 0;
    }

    /** Exited, and not yet reaped by its parent (state Z, or X while it goes). */
    public boolean isZombie() {
        return state == 'Z' || state == 'X';
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
        final char state;
        final int ppid;
        final long flags;
        final long startTime;

        private Stat(String comm, char state, int ppid, long flags, long startTime) {
            this.comm = comm;
            this.state = state;
            this.ppid = ppid;
            this.flags = flags;
            this.startTime = startTime;
        }

        static Stat parse(int pid, String text) throws IOException {
            int open = text.indexOf('(');
            int close = text.lastIndexOf(')');
            if (open < 0 || close < open) {
                throw new IOException("unexpected /proc/" + pid + "/stat: " + text);
            }
            String[] rest = text.substring(close + 2).trim().split(" ");
            // rest[0] is field 3 (state); ppid is field 4, flags field 9, starttime field 22.
            return new Stat(text.substring(open + 1, close), rest[0].isEmpty() ? '?' : rest[0].charAt(0),
                    Integer.parseInt(rest[1]), Long.parseUnsignedLong(rest[6]), Long.parseLong(rest[19]));
        }
    }
}
