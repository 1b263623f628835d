package io.livetune.executor.sockets;

import io.livetune.executor.procfs.ProcessInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A socket found in a target process: the first (pid, fd) that holds it, which is the one
 * livetune duplicates, and every other holder (sockets are shared across fork and dup).
 */
public final class ScannedSocket {
    private final ProcessInfo process;
    private final int fd;
    private final InetSocket socket;
    private final String namespace;
    private final List<Holder> otherHolders = new ArrayList<>();

    ScannedSocket(ProcessInfo process, int fd, InetSocket socket, String namespace) {
        this.process = process;
        this.fd = fd;
        this.socket = socket;
        this.namespace = namespace;
    }

    public ProcessInfo process() {
        return process;
    }

    public int pid() {
        return process.pid();
    }

    public int fd() {
        return fd;
    }

    public InetSocket socket() {
        return socket;
    }

    /** The network namespace, as /proc names it ("net:[4026531840]"). */
    public String namespace() {
        return namespace;
    }

    /** The other processes (or descriptors) that hold the same socket. */
    public List<Holder> otherHolders() {
        return otherHolders;
    }

    /** Every holder, the one livetune works through first. */
    public List<Holder> holders() {
        List<Holder> all = new ArrayList<>();
        all.add(new Holder(process, fd));
        all.addAll(otherHolders);
        return all;
    }

    void addHolder(ProcessInfo holder, int holderFd) {
        otherHolders.add(new Holder(holder, holderFd));
    }

    /** One process's descriptor for the socket. */
    public record Holder(ProcessInfo process, int fd) {
        public int pid() {
            return process.pid();
        }

        public String name() {
            return process.name();
        }
    }

    /** "pid 1234 fd 3 tcp 0.0.0.0:80 listen", the heading of its diff. */
    public String describe() {
        return "pid " + pid() + " (" + process.name() + ") fd " + fd + " " + socket;
    }

    /**
     * {@code sockets} grouped by the process they were scanned in, in the order met: each group
     * is what one {@link OpenedProcess#visit} takes.
     */
    public static Map<ProcessInfo, List<ScannedSocket>> byProcess(Iterable<ScannedSocket> sockets) {
        Map<ProcessInfo, List<ScannedSocket>> grouped = new LinkedHashMap<>();
        for (ScannedSocket socket : sockets) {
            List<ScannedSocket> ofProcess = grouped.get(socket.process());
            if (ofProcess == null) {
                ofProcess = new ArrayList<>();
                grouped.put(socket.process(), ofProcess);
            }
            ofProcess.add(socket);
        }
        return grouped;
    }
}
