package io.livetune.executor.sockets;

import io.livetune.executor.procfs.ProcFs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The TCP and UDP sockets of one network namespace, by inode, read from
 * /proc/PID/net/{tcp,tcp6,udp,udp6} of a process that lives there. Reading through the
 * process (not /proc/net) is what makes processes in containers work.
 */
public final class InetSocketTable {
    private static final String[][] FILES = {
        {"net/tcp", "TCP", "IPV4"}, {"net/tcp6", "TCP", "IPV6"},
        {"net/udp", "UDP", "IPV4"}, {"net/udp6", "UDP", "IPV6"},
    };

    private final Map<Long, InetSocket> byInode;

    private InetSocketTable(Map<Long, InetSocket> byInode) {
        this.byInode = byInode;
    }

    public static InetSocketTable read(ProcFs proc, int pid) throws IOException {
        Map<Long, InetSocket> sockets = new HashMap<>();
        for (String[] file : FILES) {
            String text;
            try {
                text = proc.read(pid, file[0]);
            } catch (io.livetune.executor.procfs.ProcessGoneException e) {
                if (file[0].endsWith("6") && proc.pidDir(pid).toFile().isDirectory()) {
                    continue; // IPv6 disabled in this namespace: no tcp6/udp6 files.
                }
                throw e;
            }
            parse(text, Protocol.valueOf(file[1]), Family.valueOf(file[2]), sockets);
        }
        return new InetSocketTable(sockets);
    }

    /** The socket with that inode, or null when it is not a TCP/UDP socket of this namespace. */
    public InetSocket get(long inode) {
        return byInode.get(inode);
    }

    public int size() {
        return byInode.size();
    }

    static void parse(String text, Protocol protocol, Family family, Map<Long, InetSocket> into) {
        int lineStart = text.indexOf('\n') + 1; // skip the header line
        while (lineStart > 0 && lineStart < text.length()) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = text.length();
            }
            String line = text.substring(lineStart, lineEnd).trim();
            if (!line.isEmpty()) {
                InetSocket socket = parseLine(line, protocol, family);
                if (socket.inode() != 0) { // inode 0: a TIME_WAIT or request socket nobody holds
                    into.put(socket.inode(), socket);
                }
            }
            lineStart = lineEnd + 1;
        }
    }

    // "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0  0 12345 ..."
    static InetSocket parseLine(String line, Protocol protocol, Family family) {
        String[] f = line.split("\\s+");
        String[] local = f[1].split(":");
        String[] remote = f[2].split(":");
        String[] queues = f[4].split(":");
        return new InetSocket(protocol, family,
                SocketState.of(protocol, Integer.parseInt(f[3], 16)),
                address(local[0]), Integer.parseInt(local[1], 16),
                address(remote[0]), Integer.parseInt(remote[1], 16),
                Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16),
                Long.parseLong(f[9]));
    }

    /** The kernel prints each 32-bit word of the address with %08X in host byte order. */
    static InetAddress address(String hex) {
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
        for (int i = 0; i < hex.length(); i += 8) {
            bytes.putInt((int) Long.parseLong(hex.substring(i, i + 8), 16));
        }
        try {
            return InetAddress.getByAddress(bytes.array());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address " + hex, e);
        }
    }
}
