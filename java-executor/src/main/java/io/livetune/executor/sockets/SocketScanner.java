package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.procfs.SocketDescriptors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the TCP and UDP sockets that processes hold: the inode behind each socket
 * descriptor in /proc/PID/fd, looked up in the socket table of the process's own network
 * namespace (read once per namespace, from the kernel's socket diagnostics where it has
 * them, else from /proc). A socket held by several processes is listed once.
 *
 * <p>Only readlink, never a duplicate, tells which descriptors are sockets: closing a
 * duplicate of a file on FUSE or NFS would send a flush to its filesystem (and a FUSE
 * daemon that is itself the target could block us), so nothing but sockets is duplicated.
 */
public final class SocketScanner {
    private final ProcFs proc;
    private final KernelFactsReader namespaces;
    private final LinuxSyscalls sys;
    private SockDiagTable sockDiag;
    private final boolean lenient;
    private boolean wholeTablesBesideWalk;
    private final List<String> skipped = new ArrayList<>();

    /**
     * @param lenient whether a process that exits, or whose /proc entries we may not read, is
     *                passed over (and listed in {@link #skipped()}) instead of failing the scan
     */
    public SocketScanner(ProcFs proc, KernelFactsReader namespaces, boolean lenient) {
        this(proc, namespaces, lenient, LinuxSyscalls.get());
    }

    /** @param sys how the kernel's socket diagnostics are reached (tests: one that refuses them) */
    SocketScanner(ProcFs proc, KernelFactsReader namespaces, boolean lenient, LinuxSyscalls sys) {
        this.proc = proc;
        this.namespaces = namespaces;
        this.sys = sys;
        this.sockDiag = new SockDiagTable(sys, namespaces.namespaces(), false);
        this.lenient = lenient;
    }

    /**
     * Has the scan also take from the kernel's socket diagnostics the option values they
     * carry (see {@link SockDiagField}), for a listing that reads every option; a scan for a
     * change reads the table only.
     */
    public SocketScanner withOptionValues() {
        sockDiag = new SockDiagTable(sys, namespaces.namespaces(), true);
        return this;
    }

    /**
     * Has the scan read each namespace's whole socket table on a thread of its own while the
     * descriptors are walked, rather than after the walk for the inodes they hold: for an
     * inventory of every process, which holds nearly every socket anyway. (A scan of some
     * processes keeps to their inodes: on a host of a million connections, a table of them all
     * would be a large thing to hold for a task about one server.)
     */
    public SocketScanner readingWholeTablesBesideWalk() {
        wholeTablesBesideWalk = true;
        return this;
    }

    /** Why processes were passed over, one line each (lenient scans only). */
    public List<String> skipped() {
        return skipped;
    }

    /** The picked sockets, in process then fd order. */
    public List<ScannedSocket> scan(List<ProcessInfo> processes, SocketFilter filter) throws IOException {
        // First every process's socket descriptors, so that each namespace's table is read for
        // the inodes they hold and no others (unless whole tables are read beside the walk).
        List<Held> held = new ArrayList<>();
        Object[] namespaceOf = namespacesOf(processes);
        EarlyTables early = wholeTablesBesideWalk && processes.size() > 1
                ? EarlyTables.start(this, processes, namespaceOf, filter) : null;
        Object[] walks = walk(processes);
        for (int i = 0; i < processes.size(); i++) {
            ProcessInfo process = processes.get(i);
            try {
                if (namespaceOf[i] instanceof IOException) {
                    throw (IOException) namespaceOf[i];
                }
                String namespace = (String) namespaceOf[i];
                if (walks[i] instanceof IOException) {
                    throw (IOException) walks[i];
                }
                @SuppressWarnings("unchecked")
                Map<Integer, Long> descriptors = (Map<Integer, Long>) walks[i];
                held.add(new Held(process, namespace, descriptors));
            } catch (IOException e) {
                passOver(process, e);
            }
        }
        Map<Long, ScannedSocket> byInode = new LinkedHashMap<>();
        // per namespace, read for this filter (the kernel is asked only for what it can pick)
        Map<String, InetSocketTable> tables = new HashMap<>();
        for (Held process : held) {
            try {
                InetSocketTable table = tables.get(process.namespace);
                if (table == null) {
                    table = early == null ? null : early.table(process.namespace);
                    if (table == null) {
                        Set<Long> wanted = inodesHeldIn(process.namespace, held);
                        table = sockDiag.read(process.namespace, process.info.pid(), wanted, filter);
                        if (table == null) { // no socket diagnostics there: the same table from /proc
                            table = InetSocketTable.read(proc, process.info.pid(), wanted);
                        }
                    }
                    tables.put(process.namespace, table);
                }
                collect(process, table, filter, byInode);
            } catch (IOException e) {
                passOver(process.info, e);
            }
        }
        return new ArrayList<>(byInode.values());
    }

    /** Each process's network namespace (a String, or the IOException its read met), in the order given. */
    private Object[] namespacesOf(List<ProcessInfo> processes) {
        Object[] namespaceOf = new Object[processes.size()];
        for (int i = 0; i < namespaceOf.length; i++) {
            try {
                namespaceOf[i] = namespaces.namespaceOf(processes.get(i).pid());
            } catch (IOException e) {
                namespaceOf[i] = e;
            }
        }
        return namespaceOf;
    }

    /** The inodes of the sockets that the processes living in {@code namespace} hold: the part of its table to keep. */
    private static Set<Long> inodesHeldIn(String namespace, List<Held> held) {
        Set<Long> inodes = new HashSet<>();
        for (Held process : held) {
            if (process.namespace.equals(namespace)) {
                inodes.addAll(process.descriptors.values());
            }
        }
        return inodes;
    }

    /**
     * Each process's socket descriptors (a map, or the IOException its walk met), in the
     * order given. Several processes are walked on every core: a readlink per descriptor is
     * most of a scan of many sockets. One process (a task's usual target) is walked here.
     */
    private Object[] walk(List<ProcessInfo> processes) {
        Object[] walks = new Object[processes.size()];
        if (walks.length == 1) { // no stream on a task's start-up path
            walks[0] = walkOne(processes.get(0));
        } else {
            java.util.stream.IntStream.range(0, walks.length).parallel()
                    .forEach(i -> walks[i] = walkOne(processes.get(i)));
        }
        return walks;
    }

    private Object walkOne(ProcessInfo process) {
        try {
            return SocketDescriptors.of(proc, process.pid());
        } catch (IOException e) {
            return e;
        }
    }

    /** A process that cannot be scanned fails the scan, or is passed over by a lenient one. */
    private void passOver(ProcessInfo process, IOException e) throws IOException {
        if (!lenient) {
            throw e;
        }
        if (!(e instanceof io.livetune.executor.procfs.ProcessGoneException)) {
            skipped.add("pid " + process.pid() + " (" + process.name() + "): its sockets cannot be listed: "
                    + e.getMessage());
        }
    }

    private static void collect(Held process, InetSocketTable table, SocketFilter filter,
            Map<Long, ScannedSocket> byInode) {
        for (Map.Entry<Integer, Long> descriptor : process.descriptors.entrySet()) {
            int fd = descriptor.getKey();
            InetSocket socket = table.get(descriptor.getValue());
            if (socket == null || !filter.matches(fd, socket)) {
                continue;
            }
            ScannedSocket known = byInode.get(socket.inode());
            if (known == null) {
                byInode.put(socket.inode(), new ScannedSocket(process.info, fd, socket, process.namespace));
            } else {
                known.addHolder(process.info, fd);
            }
        }
    }

    /**
     * The whole socket table of each namespace the processes live in, read from the kernel's
     * socket diagnostics on one thread of its own, namespace after namespace, while the caller
     * walks the descriptors (on every core: the dump is mostly the kernel's work and the reply's
     * parsing, which then overlap the readlinks). A namespace whose table could not be read
     * this way is read again by the caller, as when nothing was read early. A socket is listed
     * when the walk found it and the table holds it: one opened after its namespace's dump is
     * left out, as one closed between the walk and a dump read after it always was.
     */
    private static final class EarlyTables implements Runnable {
        private final SocketScanner scanner;
        private final Map<String, Integer> namespaces;
        private final SocketFilter filter;
        private final Map<String, InetSocketTable> tables = new HashMap<>();
        private final Thread thread;
        private RuntimeException failure;

        private EarlyTables(SocketScanner scanner, Map<String, Integer> namespaces, SocketFilter filter) {
            this.scanner = scanner;
            this.namespaces = namespaces;
            this.filter = filter;
            this.thread = new Thread(this, "livetune-sock-diag");
            thread.setDaemon(true);
        }

        /**
         * Starts reading the tables of the namespaces {@code processes} live in ({@code
         * namespaceOf}, as {@link #namespacesOf} read them).
         */
        static EarlyTables start(SocketScanner scanner, List<ProcessInfo> processes, Object[] namespaceOf,
                SocketFilter filter) {
            Map<String, Integer> namespaces = new LinkedHashMap<>(); // each with a process that lives there
            for (int i = 0; i < namespaceOf.length; i++) {
                if (namespaceOf[i] instanceof String) { // else exited or not ours: the scan passes it over or fails
                    namespaces.putIfAbsent((String) namespaceOf[i], processes.get(i).pid());
                }
            }
            EarlyTables early = new EarlyTables(scanner, namespaces, filter);
            early.thread.start();
            return early;
        }

        @Override
        public void run() {
            try {
                for (Map.Entry<String, Integer> namespace : namespaces.entrySet()) {
                    InetSocketTable table = scanner.sockDiag.read(namespace.getKey(), namespace.getValue(), null, filter);
                    synchronized (this) {
                        tables.put(namespace.getKey(), table);
                    }
                }
            } catch (RuntimeException e) { // a bug, not a refusal (those give no table): the scan fails with it
                synchronized (this) {
                    failure = e;
                }
            }
        }

        /** The namespace's whole table, once read; null when it could not be read early. */
        InetSocketTable table(String namespace) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                if (failure != null) {
                    throw failure;
                }
                return tables.get(namespace);
            }
        }
    }

    /** A process's socket descriptors (fd to inode) and its network namespace. */
    private static final class Held {
        final ProcessInfo info;
        final String namespace;
        final Map<Integer, Long> descriptors;

        Held(ProcessInfo info, String namespace, Map<Integer, Long> descriptors) {
            this.info = info;
            this.namespace = namespace;
            this.descriptors = descriptors;
        }
    }

    /**
     * Adds to {@code sockets} the other holders found among {@code others} (which are not
     * scanned for sockets of their own). Processes we cannot read are passed over.
     */
    public void addHolders(List<ScannedSocket> sockets, List<ProcessInfo> others) {
        Map<Long, ScannedSocket> byInode = new HashMap<>();
        for (ScannedSocket socket : sockets) {
            byInode.put(socket.socket().inode(), socket);
        }
        for (ProcessInfo other : others) {
            try {
                for (Map.Entry<Integer, Long> descriptor : SocketDescriptors.of(proc, other.pid()).entrySet()) {
                    ScannedSocket shared = byInode.get(descriptor.getValue());
                    if (shared != null) {
                        shared.addHolder(other, descriptor.getKey());
                    }
                }
            } catch (IOException e) {
                // exited, or not ours to read: it holds nothing we can show
            }
        }
    }
}
