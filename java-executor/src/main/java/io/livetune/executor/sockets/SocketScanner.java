package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the TCP and UDP sockets that processes hold: the inode behind each descriptor listed
 * in /proc/PID/fd, looked up in the socket table of the process's own network namespace (read
 * once per namespace). A socket held by several processes is listed once.
 */
public final class SocketScanner {
    private final ProcFs proc;
    private final KernelFactsReader namespaces;
    private final Map<String, InetSocketTable> tables = new HashMap<>();

    public SocketScanner(ProcFs proc, KernelFactsReader namespaces) {
        this.proc = proc;
        this.namespaces = namespaces;
    }

    /** The picked sockets, in process then fd order. */
    public List<ScannedSocket> scan(List<ProcessInfo> processes, SocketFilter filter, TargetProcesses targets)
            throws IOException, ProcessAccessException {
        Map<Long, ScannedSocket> byInode = new LinkedHashMap<>();
        for (ProcessInfo process : processes) {
            String namespace = namespaces.namespaceOf(process.pid());
            InetSocketTable table = tables.get(namespace);
            if (table == null) {
                table = InetSocketTable.read(proc, process.pid());
                tables.put(namespace, table);
            }
            TargetProcess target = targets.get(process);
            for (int fd : proc.fdNumbers(process.pid())) {
                if (!filter.mayMatch(fd)) {
                    continue;
                }
                InetSocket socket = table.get(inode(target, process, fd));
                if (socket == null || !filter.matches(fd, socket)) {
                    continue;
                }
                ScannedSocket known = byInode.get(socket.inode());
                if (known == null) {
                    byInode.put(socket.inode(), new ScannedSocket(process, fd, socket, namespace));
                } else {
                    known.addHolder(process.pid(), fd);
                }
            }
        }
        return new ArrayList<>(byInode.values());
    }

    private static long inode(TargetProcess target, ProcessInfo process, int fd) throws ProcessAccessException {
        try {
            return target.socketInode(fd);
        } catch (ErrnoException e) {
            throw new ProcessAccessException(process, e);
        }
    }
}
