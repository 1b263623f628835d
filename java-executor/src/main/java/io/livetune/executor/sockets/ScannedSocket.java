package io.livetune.executor.sockets;

import io.livetune.executor.procfs.ProcessInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * A socket found in a target process: the first (pid, fd) that holds it, which is the one
 * livetune duplicates, and every other holder (sockets are shared across fork and dup).
 */
public final class ScannedSocket {
    private final ProcessInfo process;
    private final int fd;
    private final InetSocket socket;
    private final String namespace;
    private final List<String> otherHolders = new ArrayList<>();

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

    /** "pid/fd" of the other holders. */
    public List<String> otherHolders() {
        return otherHolders;
    }

    void addHolder(int pid, int fd) {
        otherHolders.add(pid + "/" + fd);
    }

    /** "pid 1234 fd 3 tcp 0.0.0.0:80 listen", the heading of its diff. */
    public String describe() {
        return "pid " + pid() + " (" + process.name() + ") fd " + fd + " " + socket;
    }
}
