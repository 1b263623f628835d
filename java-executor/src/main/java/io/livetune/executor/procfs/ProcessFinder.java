package io.livetune.executor.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns {@link ProcessCriteria} into the processes they pick now. Searches by pattern or
 * unit never pick livetune itself or the shell that started it (their command lines name
 * whatever the user searches for more often than one would think).
 */
public final class ProcessFinder {
    private final ProcFs proc;
    private final Visibility visibility;

    public ProcessFinder(ProcFs proc) {
        this.proc = proc;
        this.visibility = new Visibility(proc);
    }

    /**
     * The processes picked, in pid order. Explicit pids that do not exist are reported by
     * {@link NoSuchProcessException}; searches that find nothing return an empty list.
     */
    public List<ProcessInfo> find(ProcessCriteria criteria) throws IOException {
        if (criteria.pids() != null) {
            return explicit(criteria.pids(), "pid");
        }
        if (criteria.pidfile() != null) {
            int pid = readPidfile(criteria);
            new PidNamespaces(proc).checkPidfile(criteria.pidfile(), pid);
            return explicit(List.of(pid), "pidfile " + criteria.pidfile());
        }
        Set<Integer> ourselves = ourselvesAndAncestors();
        List<ProcessInfo> found = new ArrayList<>();
        for (int pid : proc.pids()) {
            if (ourselves.contains(pid)) {
                continue;
            }
            try {
                ProcessInfo info = ProcessInfo.read(proc, pid);
                if (!info.isKernelThread() && matches(criteria, info)) {
                    found.add(info);
                }
            } catch (ProcessGoneException e) {
                // Exited while we looked: it is not a target any more.
            } catch (ProcessAccessDeniedException e) {
                // hidepid=noaccess: listed but unreadable; noMatch says so if nothing else matches
            }
        }
        found.sort(java.util.Comparator.comparingInt(ProcessInfo::pid));
        return found;
    }

    /**
     * "no process matched process=^nginx$", and when /proc hides other users' processes from
     * this executor, that one of them may match and what to do.
     */
    public String noMatch(ProcessCriteria criteria) {
        return "no process matched " + criteria.describe() + visibility.searchNote();
    }

    /**
     * Why a search may not have seen every process ("" when it did, or for a pid or pidfile):
     * for a warning of modules that list what they find.
     */
    public String visibilityNote(ProcessCriteria criteria) {
        boolean search = criteria.pids() == null && criteria.pidfile() == null;
        return search ? visibility.searchNote().replaceFirst("^; ", "") : "";
    }

    /**
     * The parents and descendants of {@code processes} that are not among them: where
     * sockets inherited across fork may also be held (prefork servers, supervised workers).
     */
    public List<ProcessInfo> relativesOf(List<ProcessInfo> processes) throws IOException {
        Set<Integer> chosen = new HashSet<>();
        processes.forEach(process -> chosen.add(process.pid()));
        java.util.Map<Integer, List<ProcessInfo>> children = new java.util.HashMap<>();
        java.util.Map<Integer, ProcessInfo> byPid = new java.util.HashMap<>();
        for (int pid : proc.pids()) {
            try {
                ProcessInfo info = ProcessInfo.read(proc, pid);
                byPid.put(pid, info);
                children.computeIfAbsent(info.ppid(), parent -> new ArrayList<>()).add(info);
            } catch (ProcessGoneException | ProcessAccessDeniedException e) {
                // exited meanwhile, or hidden by hidepid=noaccess: not ours to list
            }
        }
        Set<Integer> ourselves = ourselvesAndAncestors();
        java.util.Map<Integer, ProcessInfo> relatives = new java.util.TreeMap<>();
        java.util.Deque<Integer> toVisit = new java.util.ArrayDeque<>(chosen);
        while (!toVisit.isEmpty()) {
            for (ProcessInfo child : children.getOrDefault(toVisit.pop(), List.of())) {
                if (!chosen.contains(child.pid()) && relatives.put(child.pid(), child) == null) {
                    toVisit.push(child.pid());
                }
            }
        }
        for (ProcessInfo process : processes) {
            ProcessInfo parent = byPid.get(process.ppid());
            if (parent != null && !chosen.contains(parent.pid()) && !parent.isKernelThread()) {
                relatives.put(parent.pid(), parent);
            }
        }
        relatives.keySet().removeAll(ourselves);
        return new ArrayList<>(relatives.values());
    }

    /**
     * The processes named by pid or pidfile. One that is not there is a {@link NoSuchProcessException}
     * (a zombie too: it has exited); one that can never be a target (a kernel thread, this
     * executor itself) is an {@link UnsuitableProcessException}.
     */
    private List<ProcessInfo> explicit(List<Integer> pids, String source) throws IOException {
        List<ProcessInfo> found = new ArrayList<>();
        for (int pid : new java.util.TreeSet<>(pids)) {
            ProcessInfo info;
            try {
                info = ProcessInfo.read(proc, pid);
            } catch (ProcessGoneException | ProcessAccessDeniedException e) {
                visibility.checkNotHidden(pid, source);
                if (e instanceof ProcessAccessDeniedException) {
                    throw e;
                }
                throw new NoSuchProcessException(pid, source);
            }
            String named = source.equals("pid") ? "pid: " + pid + " (" + info.name() + ")"
                    : source + " names pid " + pid + " (" + info.name() + "), which";
            if (info.isKernelOwnThread()) {
                throw new UnsuitableProcessException(named + " is a kernel thread: it has no sockets or memory of a "
                        + "program to change or read; pick a user-space process");
            }
            if (info.isZombie()) {
                throw new ZombieProcessException(pid, source, named + " is a zombie: it has exited, and its parent (pid "
                        + info.ppid() + ") has not reaped it yet; it holds no sockets or memory any more");
            }
            if (pid == ProcFs.selfPid()) {
                throw new UnsuitableProcessException(named + " is this livetune executor itself, not a target");
            }
            found.add(info);
        }
        return found;
    }

    private boolean matches(ProcessCriteria criteria, ProcessInfo info) throws IOException {
        if (criteria.isEverything()) {
            return true;
        }
        if (criteria.name() != null) {
            return criteria.name().matcher(info.name()).matches() || criteria.name().matcher(fullName(info)).matches();
        }
        if (criteria.commandLine() != null) {
            return criteria.commandLine().matcher(info.commandLine()).find();
        }
        return inUnit(info.pid(), criteria.unit());
    }

    /**
     * comm is cut at 15 characters; for a longer name the basename of argv[0] is the full
     * one when it starts with comm.
     */
    private static String fullName(ProcessInfo info) {
        String argv0 = info.argv().isEmpty() ? "" : info.argv().get(0);
        String base = argv0.substring(argv0.lastIndexOf('/') + 1);
        return info.name().length() == 15 && base.startsWith(info.name()) ? base : info.name();
    }

    /** systemd puts a unit's processes in a cgroup named after it, in v2 and in v1's name=systemd tree. */
    private boolean inUnit(int pid, String unit) throws IOException {
        for (String line : proc.read(pid, "cgroup").split("\n")) {
            String[] fields = line.split(":", 3);
            if (fields.length < 3 || !(fields[1].isEmpty() || fields[1].equals("name=systemd"))) {
                continue;
            }
            for (String part : fields[2].split("/")) {
                if (part.equals(unit)) {
                    return true;
                }
            }
        }
        return false;
    }

    private Set<Integer> ourselvesAndAncestors() throws IOException {
        Set<Integer> pids = new HashSet<>();
        int pid = ProcFs.selfPid();
        while (pid > 1 && pids.add(pid)) {
            try {
                pid = ProcessInfo.read(proc, pid).ppid();
            } catch (ProcessGoneException | ProcessAccessDeniedException e) {
                break; // exited, or another user's that hidepid hides: not a target anyway
            }
        }
        return pids;
    }

    /** The pid in the first line of a pidfile: a short regular file, never a device, FIFO or directory. */
    private static int readPidfile(ProcessCriteria criteria) throws IOException {
        java.nio.file.Path path = criteria.pidfile();
        if (!Files.exists(path)) {
            throw new PidfileException("pidfile " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new IOException("pidfile " + path + " is a directory, not a file holding a process id");
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException("pidfile " + path + " is not a regular file (a device, FIFO or socket); "
                    + "a pidfile is a file holding a process id");
        }
        String text;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            text = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            throw new PidfileException("pidfile " + path + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("pidfile " + path + " is not readable (permission denied); run as root "
                    + "(become: true) or as its owner", e);
        }
        String firstLine = text.split("\n", 2)[0].trim();
        String first = firstLine.isEmpty() ? "" : firstLine.split("\\s+")[0];
        int pid;
        try {
            pid = Integer.parseInt(first);
        } catch (NumberFormatException e) {
            pid = 0;
        }
        if (pid < 1) {
            throw new PidfileException("pidfile " + path + " does not hold a process id (it holds '"
                    + (firstLine.length() > 40 ? firstLine.substring(0, 40) + "…" : firstLine) + "')");
        }
        return pid;
    }
}
