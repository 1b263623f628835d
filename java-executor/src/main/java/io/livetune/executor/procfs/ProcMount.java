package io.livetune.executor.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * How the proc file system livetune reads is mounted, as far as it hides processes: its
 * hidepid= and gid= options (proc(5)). hidepid=1 (noaccess) keeps another user's /proc/PID
 * listed but unreadable; hidepid=2 (invisible) and 4 (ptraceable) leave it out altogether, so
 * such a process looks exactly like one that does not exist. Members of the gid= group, and
 * holders of CAP_SYS_PTRACE, still see everything.
 *
 * @param hidePid     the hidepid level: 0 off, 1 noaccess, 2 invisible, 4 ptraceable
 * @param hidePidText the level as the mount options spell it ("invisible", or "2" before Linux 5.8)
 * @param gid         the gid= option, or null
 */
public record ProcMount(int hidePid, String hidePidText, String gid) {

    /**
     * The options of the topmost proc mount at {@code mountPoint}, from our own mountinfo (a
     * later line for the same point is mounted over the earlier ones).
     */
    public static ProcMount of(Path mountPoint) {
        ProcMount found = new ProcMount(0, "off", null);
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"))) {
                // 63 45 0:39 / /proc rw,relatime - proc proc rw,hidepid=invisible,subset=pid
                String[] halves = line.split(" - ", 2);
                String[] mount = halves[0].split(" ");
                String[] fs = halves.length == 2 ? halves[1].split(" ") : new String[0];
                if (mount.length > 4 && mount[4].equals(mountPoint.toString()) && fs.length > 2 && fs[0].equals("proc")) {
                    found = parse(fs[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No mountinfo to read (hidden by subset=pid or not mounted): assume nothing is hidden.
        }
        return found;
    }

    static ProcMount parse(String superOptions) {
        int level = 0;
        String text = "off";
        String gid = null;
        for (String option : superOptions.split(",")) {
            if (option.startsWith("hidepid=")) {
                text = option.substring("hidepid=".length());
                level = levelOf(text);
            } else if (option.startsWith("gid=")) {
                gid = option.substring("gid=".length());
            }
        }
        return new ProcMount(level, text, gid);
    }

    /** Kernels before 5.8 show the number, later ones the name. */
    private static int levelOf(String hidepid) {
        if (hidepid.equals("1") || hidepid.equals("noaccess")) {
            return 1;
        }
        if (hidepid.equals("2") || hidepid.equals("invisible")) {
            return 2;
        }
        return hidepid.equals("4") || hidepid.equals("ptraceable") ? 4 : 0;
    }

    /** Whether another user's processes may be missing from the listing or unreadable. */
    public boolean hidesProcesses() {
        return hidePid != 0;
    }

    /** Whether another user's processes are left out of /proc altogether (not just unreadable). */
    public boolean leavesOutProcesses() {
        return hidePid >= 2;
    }

    /** "hidepid=invisible", as the mount options say it. */
    public String hidePidOption() {
        return "hidepid=" + hidePidText;
    }

    /** What lets a user see every process in spite of it, for the advice in messages. */
    public String remedy() {
        return "run the task as root (become: true)" + (gid == null ? "" : " or as a member of group " + gid
                + " (the gid= option of that mount)");
    }
}
