package io.livetune.executor.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a {@link TargetProcess} opens before it reports ready. Families are "ipv4" or "ipv6". */
final class TargetSpec {
    final List<Map<String, Object>> sockets = new ArrayList<>();
    String processName;
    boolean forkChild;
    boolean ownNetworkNamespace;
    boolean withoutPtraceCapability;
    Integer uid;
    boolean unlimitedMemlock;
    boolean ownPidNamespace;
    int pidInNamespace;
    String pidfile;

    static TargetSpec target() {
        return new TargetSpec();
    }

    /** A TCP listener on the loopback address (port 0), SO_RCVBUF set before listen(fd, backlog). Role "listener". */
    TargetSpec tcpListener(String family, int backlog, int receiveBuffer) {
        sockets.add(Map.of("kind", "tcp_listener", "family", family, "backlog", backlog, "rcvbuf", receiveBuffer));
        return this;
    }

    /**
     * An established loopback connection whose both ends the target holds: roles "pair_listener"
     * (kept open), "client" (SO_RCVBUF set before connect) and "server" (the accepted end).
     */
    TargetSpec tcpPair(String family, int clientReceiveBuffer) {
        sockets.add(Map.of("kind", "tcp_pair", "family", family, "rcvbuf", clientReceiveBuffer));
        return this;
    }

    TargetSpec tcpPair(String family) {
        sockets.add(Map.of("kind", "tcp_pair", "family", family));
        return this;
    }

    /** A UDP socket bound on the loopback address (port 0). Role "udp". */
    TargetSpec udp(String family, int receiveBuffer) {
        sockets.add(Map.of("kind", "udp", "family", family, "rcvbuf", receiveBuffer));
        return this;
    }

    /** The process name (/proc/PID/comm, at most 15 characters), set with prctl(PR_SET_NAME). */
    TargetSpec named(String name) {
        if (name.length() > 15) {
            throw new IllegalArgumentException("a process name has at most 15 characters: " + name);
        }
        this.processName = name;
        return this;
    }

    /** After opening its sockets the target forks a child that holds the same descriptors. */
    TargetSpec withForkedChild() {
        this.forkChild = true;
        return this;
    }

    /** Runs the target in a network namespace of its own (unshare -n), with lo up. */
    TargetSpec inOwnNetworkNamespace() {
        this.ownNetworkNamespace = true;
        return this;
    }

    /**
     * Runs the target without CAP_SYS_PTRACE in its bounding (hence permitted) set, through
     * setpriv: a root process whose capabilities a caller lacking CAP_SYS_PTRACE still covers.
     */
    TargetSpec withoutPtraceCapability() {
        this.withoutPtraceCapability = true;
        return this;
    }

    /** Runs the target as this user (uid and gid, no supplementary groups), through setpriv. */
    TargetSpec asUser(int uid) {
        this.uid = uid;
        return this;
    }

    /** Runs the target with RLIMIT_MEMLOCK unlimited (prlimit), so a user without CAP_IPC_LOCK may lock it all. */
    TargetSpec withUnlimitedMemlock() {
        this.unlimitedMemlock = true;
        return this;
    }

    /**
     * Runs the target in a PID namespace (and mount namespace with its own /proc) of its own, as
     * in a container: unshare --pid --fork --mount-proc. {@code pid} is the pid it gets there
     * (0: 1, the namespace's init); {@link TargetProcess#pid()} stays the pid seen from here.
     */
    TargetSpec inOwnPidNamespace(int pid) {
        this.ownPidNamespace = true;
        this.pidInNamespace = pid;
        return this;
    }

    /** The target writes its own pid (as it sees it) to this file before it reports ready. */
    TargetSpec writingPidfile(String path) {
        this.pidfile = path;
        return this;
    }

    Map<String, Object> toJsonMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", processName);
        map.put("fork_child", forkChild);
        if (pidfile != null) {
            map.put("pidfile", pidfile);
        }
        map.put("sockets", sockets);
        return map;
    }
}
