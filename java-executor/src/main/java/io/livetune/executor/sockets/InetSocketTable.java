package io.livetune.executor.sockets;

import io.livetune.executor.procfs.ProcFs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

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

    InetSocketTable(Map<Long, InetSocket> byInode) {
        this.byInode = byInode;
    }

    public static InetSocketTable read(ProcFs proc, int pid) throws IOException {
        return read(proc, pid, null);
    }

    /**
     * @param wanted the inodes to keep (the sockets some process of interest holds), or null
     *               for all: a namespace can hold tens of thousands of sockets, and a task
     *               about one of them need not build them all
     */
    public static InetSocketTable read(ProcFs proc, int pid, Set<Long> wanted) throws IOException {
        Map<Long, InetSocket> sockets = new HashMap<>();
        for (String[] file : FILES) {
            byte[] text;
            try {
                text = proc.readBytes(pid, file[0]);
            } catch (io.livetune.executor.procfs.ProcessGoneException e) {
                if (file[0].endsWith("6") && proc.pidDir(pid).toFile().isDirectory()) {
                    continue; // IPv6 disabled in this namespace: no tcp6/udp6 files.
                }
                throw e;
            }
            parse(text, Protocol.valueOf(file[1]), Family.valueOf(file[2]), wanted, sockets);
        }
        return new InetSocketTable(sockets);
    }

    /** The socket with that inode, or null when it is not a TCP/UDP socket of this namespace. */
    public InetSocket get(long inode) {
        return byInode.get(inode);
    }

    /** The inodes of its sockets. */
    public java.util.Set<Long> inodes() {
        return java.util.Collections.unmodifiableSet(byInode.keySet());
    }

    public int size() {
        return byInode.size();
    }

    static void parse(String text, Protocol protocol, Family family, Map<Long, InetSocket> into) {
        parse(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII), protocol, family, null, into);
    }

    /**
     * Parses the table in one pass over its bytes, without a String per field: a process with
     * tens of thousands of connections has a table of megabytes.
     */
    static void parse(byte[] text, Protocol protocol, Family family, Set<Long> wanted, Map<Long, InetSocket> into) {
        Cursor cursor = new Cursor(text);
        cursor.skipLine(); // header
        int addressLength = family == Family.IPV4 ? 4 : 16;
        while (cursor.hasMore()) {
            cursor.skipToken(); // "sl:"
            if (!cursor.hasMore()) {
                break;
            }
            int local = cursor.skipAddress(addressLength);
            int localPort = (int) cursor.hex();
            int remote = cursor.skipAddress(addressLength);
            int remotePort = (int) cursor.hex();
            int state = (int) cursor.hex();
            long sendQueue = cursor.hex();
            long receiveQueue = cursor.hex();
            cursor.skipToken(); // tr:tm->when
            cursor.skipToken(); // retrnsmt
            cursor.skipToken(); // uid
            cursor.skipToken(); // timeout
            long inode = cursor.decimal();
            cursor.skipLine();
            // inode 0: a TIME_WAIT or request socket nobody holds
            if (inode != 0 && (wanted == null || wanted.contains(inode))) {
                into.put(inode, new InetSocket(protocol, family, SocketState.of(protocol, state),
                        cursor.address(local, addressLength), localPort,
                        cursor.address(remote, addressLength), remotePort, sendQueue, receiveQueue, inode));
            }
        }
    }

    /** Walks the table's bytes; fields are separated by spaces or ':'. */
    private static final class Cursor {
        private final byte[] text;
        private int at;

        Cursor(byte[] text) {
            this.text = text;
        }

        boolean hasMore() {
            skipSeparators();
            return at < text.length;
        }

        void skipLine() {
            while (at < text.length && text[at] != '\n') {
                at++;
            }
            at++;
        }

        void skipToken() {
            skipSeparators();
            while (at < text.length && text[at] != ' ' && text[at] != '\n') {
                at++;
            }
        }

        long hex() {
            skipSeparators();
            long value = 0;
            while (at < text.length) {
                int digit = Character.digit(text[at], 16);
                if (digit < 0) {
                    break;
                }
                value = (value << 4) | digit;
                at++;
            }
            return value;
        }

        long decimal() {
            skipSeparators();
            long value = 0;
            while (at < text.length && text[at] >= '0' && text[at] <= '9') {
                value = value * 10 + (text[at++] - '0');
            }
            return value;
        }

        /** Where the address starts; it is read by {@link #address} only for a socket that is kept. */
        int skipAddress(int length) {
            skipSeparators();
            int start = at;
            at += 2 * length;
            return start;
        }

        /** The kernel prints each 32-bit word of the address with %08X in host byte order. */
        InetAddress address(int start, int length) {
            int at = start;
            ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
            for (int word = 0; word < length / 4; word++) {
                int value = 0;
                for (int i = 0; i < 8; i++) {
                    value = (value << 4) | Character.digit(text[at++], 16);
                }
                bytes.putInt(value);
            }
            try {
                return InetAddress.getByAddress(bytes.array());
            } catch (UnknownHostException e) {
                throw new IllegalStateException("impossible: address of length " + length, e);
            }
        }

        private void skipSeparators() {
            while (at < text.length && (text[at] == ' ' || text[at] == ':')) {
                at++;
            }
        }
    }
}
