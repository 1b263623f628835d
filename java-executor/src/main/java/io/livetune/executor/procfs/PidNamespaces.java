package io.livetune.executor.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pids across PID namespaces. /proc/PID/status shows a process's pid in each namespace from
 * ours down to its own (NSpid: 48213 7): a process in a container has a pid here and another
 * there, and a pidfile it writes holds the one it sees, which here names another process or
 * none at all.
 */
final class PidNamespaces {
    private static final int NAMED_AT_MOST = 5;

    private final ProcFs proc;

    PidNamespaces(ProcFs proc) {
        this.proc = proc;
    }

    /**
     * Throws when some process in another PID namespace has {@code pid} there: then the pidfile
     * may have been written there, and livetune cannot tell which process it names.
     */
    void checkPidfile(Path pidfile, int pid) throws IOException {
        List<Integer> hostPids = new ArrayList<>();
        List<String> others = havingInnerPid(pid, hostPids);
        if (others.isEmpty()) {
            return;
        }
        int firstHostPid = hostPids.get(0);
        String theyHaveIt = String.join(", ", others) + (others.size() == 1 ? " has" : " have") + " pid " + pid
                + " in " + (others.size() == 1 ? "its own PID namespace" : "their own PID namespaces")
                + " (NSpid in /proc/PID/status), and a pidfile written inside a container holds the container's pid";
        String here;
        try {
            here = ProcessInfo.read(proc, pid).name();
        } catch (ProcessGoneException | ProcessAccessDeniedException e) {
            throw new PidNamespaceMismatchException("pidfile " + pidfile + " holds pid " + pid + ", which no process "
                    + "has in livetune's PID namespace; " + theyHaveIt + ": select it by the pid livetune sees (the first "
                    + "number of NSpid, as in pid: " + firstHostPid + "), by process, cmdline or unit instead");
        }
        throw new PidNamespaceMismatchException("pidfile " + pidfile + " holds pid " + pid + ", which in livetune's "
                + "PID namespace is pid " + pid + " (" + here + "), but " + theyHaveIt + "; livetune cannot tell which "
                + "one wrote it and touches neither: select by pid, process, cmdline or unit instead");
    }

    /** "pid 48213 (nginx)" for each process whose pid in its own namespace is {@code pid} and differs here. */
    private List<String> havingInnerPid(int pid, List<Integer> hostPids) throws IOException {
        List<String> found = new ArrayList<>();
        int more = 0;
        String ours = ownNamespace();
        for (int hostPid : proc.pids()) {
            if (hostPid == pid || inNamespace(hostPid, ours)) {
                continue;
            }
            ProcStatus status;
            try {
                status = ProcStatus.of(proc, hostPid);
            } catch (ProcessGoneException | ProcessAccessDeniedException e) {
                continue;
            }
            String[] nsPids = status.field("NSpid").split("\\s+");
            if (nsPids.length < 2 || !nsPids[nsPids.length - 1].equals(Integer.toString(pid))) {
                continue;
            }
            hostPids.add(hostPid);
            if (found.size() < NAMED_AT_MOST) {
                found.add("pid " + hostPid + " (" + status.field("Name") + ")");
            } else {
                more++;
            }
        }
        if (more > 0) {
            found.add(more + " more");
        }
        return found;
    }

    /** The PID namespace of /proc's own reader ({@code pid:[4026531836]}), or null when unreadable. */
    private String ownNamespace() {
        try {
            return Files.readSymbolicLink(proc.mountPoint().resolve("self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Whether {@code hostPid} is in the namespace {@code ns}: then its NSpid has one number and
     * it cannot hold another pid. A readlink costs a fraction of generating /proc/PID/status,
     * and a pidfile task would otherwise make the kernel format every process's status.
     * Unknown (no access to ns/pid, as for other users' processes without root): false, so
     * that its status is read as before.
     */
    private boolean inNamespace(int hostPid, String ns) {
        if (ns == null) {
            return false;
        }
        try {
            String link = proc.link(hostPid, "ns/pid");
            return link == null || link.equals(ns); // null: it has gone, nothing to read
        } catch (IOException e) {
            return false;
        }
    }
}
