package io.livetune.executor.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Facts about the running kernel that the expected values depend on. */
final class Kernel {
    private Kernel() {}

    static int somaxconn() {
        return sysctlInt("net.core.somaxconn");
    }

    static int rmemMax() {
        return sysctlInt("net.core.rmem_max");
    }

    static int wmemMax() {
        return sysctlInt("net.core.wmem_max");
    }

    /** What getsockopt(SO_RCVBUF) reports after setsockopt(SO_RCVBUF, requested) without force. */
    static int receiveBufferReadBack(int requested) {
        return 2 * Math.min(requested, rmemMax());
    }

    /** What getsockopt(SO_SNDBUF) reports after setsockopt(SO_SNDBUF, requested) without force. */
    static int sendBufferReadBack(int requested) {
        return 2 * Math.min(requested, wmemMax());
    }

    /** The listen backlog in force after listen(fd, requested). */
    static int backlogInForce(int requested) {
        return Math.min(requested, somaxconn());
    }

    static List<String> availableCongestionControls() {
        return Arrays.asList(sysctl("net.ipv4.tcp_available_congestion_control").split("\\s+"));
    }

    static int sysctlInt(String name) {
        return Integer.parseInt(sysctl(name));
    }

    static String sysctl(String name) {
        try {
            // Not Files.readString/readAllBytes: they see size 0, read one byte, then read again at
            // offset 1, where /proc/sys integer files return EOF ("4194304" reads as "4").
            try (InputStream in = Files.newInputStream(Path.of("/proc/sys", name.replace('.', '/')))) {
                return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read sysctl " + name + ": " + e, e);
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static String networkNamespaceOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
        } catch (IOException e) {
            throw new AssertionError("cannot read the network namespace of " + pid + ": " + e, e);
        }
    }
}
