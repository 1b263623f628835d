package io.livetune.executor.sockets;

import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.procfs.SocketDescriptors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Finds the TCP and UDP sockets that processes hold: the inode behind each socket
 * descriptor in /proc/PID/fd, looked up in the socket table of the process's own network
 * namespace (read once per namespace). A socket held by several processes is listed once.
 *
 * <p>Only readlink, never a duplicate, tells which descriptors are sockets: closing a
 * duplicate of a file on FUSE or NFS would send a flush to its filesystem (and a FUSE
 * daemon that is itself the target could block us), so nothing but sockets is duplicated.
 */
public final class SocketScanner {
    private final ProcFs proc;
    private final KernelFactsReader namespaces;
    private final Map<String, InetSocketTable> tables = new HashMap<>();
    private final boolean lenient;
    private final List<String> skipped = new ArrayList<>();

    /**
     * @param lenient whether a process that exits, or whose /proc entries we may not read, is
     *                passed over (and listed in {@link #skipped()}) instead of failing the scan
     */
    public SocketScanner(ProcFs proc, KernelFactsReader namespaces, boolean lenient) {
        this.proc = proc;
        this.namespaces = namespaces;
        this.lenient = lenient;
    }

    /** Why processes were passed over, one line each (lenient scans only). */
    public List<String> skipped() {
        return skipped;
    }

    /** The picked sockets, in process then fd order. */
    public List<ScannedSocket> scan(List<ProcessInfo> processes, SocketFilter filter) throws IOException {
        Map<Long, ScannedSocket> byInode = new LinkedHashMap<>();
        for (ProcessInfo process : processes) {
            try {
                scan(process, filter, byInode);
            } catch (io.livetune.executor.procfs.ProcessGoneException e) {
                if (!lenient) {
                    throw e;
                }
            } catch (IOException e) {
                if (!lenient) {
                    throw e;
                }
                skipped.add("pid " + process.pid() + " (" + process.name() + "): its sockets cannot be listed: "
                        + e.getMessage());
            }
        }
        return new ArrayList<>(byInode.values());
    }

    private void scan(ProcessInfo process, SocketFilter filter, Map<Long, ScannedSocket> byInode)
            throws IOException {
        {
            String namespace = namespaces.namespaceOf(process.pid());
            InetSocketTable table = tables.get(namespace);
            Map<Integer, Long> descriptors;
            if (table == null) {
                // The table and the descriptors take about as long to read: read them side by side.
                CompletableFuture<InetSocketTable> reading = CompletableFuture.supplyAsync(() -> {
                    try {
                        return InetSocketTable.read(proc, process.pid());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                descriptors = SocketDescriptors.of(proc, process.pid());
                table = join(reading);
                tables.put(namespace, table);
            } else {
                descriptors = SocketDescriptors.of(proc, process.pid());
            }
            for (Map.Entry<Integer, Long> descriptor : descriptors.entrySet()) {
                int fd = descriptor.getKey();
                InetSocket socket = table.get(descriptor.getValue());
                if (socket == null || !filter.matches(fd, socket)) {
                    continue;
                }
                ScannedSocket known = byInode.get(socket.inode());
                if (known == null) {
                    byInode.put(socket.inode(), new ScannedSocket(process, fd, socket, namespace));
                } else {
                    known.addHolder(process, fd);
                }
            }
        }
    }

    /**
     * Adds to {@code sockets} the other holders found among {@code others} (which are not
     * scanned for sockets of their own). Processes we cannot read are passed over.
     */
    public void addHolders(List<ScannedSocket> sockets, List<ProcessInfo> others) {
        Map<Long, ScannedSocket> byInode = new HashMap<>();
        sockets.forEach(socket -> byInode.put(socket.socket().inode(), socket));
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

    private static InetSocketTable join(CompletableFuture<InetSocketTable> reading) throws IOException {
        try {
            return reading.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException) {
                throw ((UncheckedIOException) e.getCause()).getCause();
            }
            throw e;
        }
    }
}
