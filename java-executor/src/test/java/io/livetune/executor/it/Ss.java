package io.livetune.executor.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The socket table as iproute2's {@code ss} sees it, in a process's own network namespace
 * ({@code nsenter -t PID -n ss ...}): a view that shares no code with the executor.
 */
final class Ss {
    private static final Pattern INODE = Pattern.compile("\\bino:(\\d+)");
    private static final Pattern SKMEM = Pattern.compile("skmem:\\(([^)]*)\\)");
    private static final Pattern SKMEM_ITEM = Pattern.compile("([a-z_]+)(\\d+)");
    private static final Pattern WSCALE = Pattern.compile("\\bwscale:(\\d+),(\\d+)");
    private static final Pattern KEEPALIVE_TIMER = Pattern.compile("timer:\\(keepalive,([^,]+),");
    private static final Pattern TIME_PART = Pattern.compile("(\\d+)(h|min|sec|ms)");
    private static final Pattern SND_WND = Pattern.compile("\\bsnd_wnd:(\\d+)");

    private final List<SsSocket> sockets;
    private final String rawOutput;

    private Ss(List<SsSocket> sockets, String rawOutput) {
        this.sockets = sockets;
        this.rawOutput = rawOutput;
    }

    /** One line of ss (with its continuation lines): the columns and the -m/-e/-i details. */
    record SsSocket(String state, long recvQ, long sendQ, String local, String peer, long inode,
                    Map<String, Long> skmem, String details) {
        /** For a listener, Send-Q is the backlog in force (sk_max_ack_backlog). */
        long backlog() {
            return sendQ;
        }

        /** skmem rb: sk_rcvbuf, the value getsockopt(SO_RCVBUF) reports. */
        long receiveBuffer() {
            return skmemItem("rb");
        }

        /** skmem tb: sk_sndbuf. */
        long sendBuffer() {
            return skmemItem("tb");
        }

        long skmemItem(String name) {
            Long value = skmem.get(name);
            if (value == null) {
                throw new AssertionError("ss shows no skmem " + name + " for inode " + inode + ": " + details);
            }
            return value;
        }

        /** Seconds until the keepalive timer fires (ss -o "timer:(keepalive,49min,0)"); empty without one. */
        Optional<Long> keepaliveTimerSeconds() {
            Matcher m = KEEPALIVE_TIMER.matcher(details);
            if (!m.find()) {
                return Optional.empty();
            }
            long millis = 0;
            Matcher part = TIME_PART.matcher(m.group(1));
            while (part.find()) {
                long n = Long.parseLong(part.group(1));
                millis += switch (part.group(2)) {
                    case "h" -> n * 3_600_000;
                    case "min" -> n * 60_000;
                    case "sec" -> n * 1_000;
                    default -> n;
                };
            }
            return Optional.of(millis / 1000);
        }

        /** The receive window scale this TCP connection agreed at its handshake (ss -i "wscale:snd,rcv"). */
        Optional<Integer> receiveWindowScale() {
            Matcher m = WSCALE.matcher(details);
            return m.find() ? Optional.of(Integer.parseInt(m.group(2))) : Optional.empty();
        }

        /**
         * The peer's advertised window (ss -i "snd_wnd:N", tcpi_snd_wnd). iproute2 prints it only
         * when it is not 0, so an absent field reads as 0.
         */
        long sendWindow() {
            Matcher m = SND_WND.matcher(details);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        /** Whether ss -i names this congestion control for the socket. */
        boolean showsCongestionControl(String name) {
            return List.of(details.split("\\s+")).contains(name);
        }
    }

    /** TCP sockets (all states) in the network namespace of {@code pid}. */
    static Ss tcp(long pid) {
        return read(pid, "-t");
    }

    /** UDP sockets in the network namespace of {@code pid}. */
    static Ss udp(long pid) {
        return read(pid, "-u");
    }

    /** TCP sockets in the namespace of the test JVM itself, without nsenter. */
    static Ss tcpInOwnNamespace() {
        return parse(Commands.run("ss", "-H", "-a", "-n", "-m", "-e", "-i", "-o", "-t").requireSuccess().stdout());
    }

    private static Ss read(long pid, String protocolFlag) {
        return parse(Commands.run("nsenter", "-t", Long.toString(pid), "-n",
                "ss", "-H", "-a", "-n", "-m", "-e", "-i", "-o", protocolFlag).requireSuccess().stdout());
    }

    List<SsSocket> all() {
        return sockets;
    }

    List<SsSocket> sockets() {
        return sockets;
    }

    Optional<SsSocket> findByInode(long inode) {
        return sockets.stream().filter(s -> s.inode() == inode).findFirst();
    }

    SsSocket byInode(long inode) {
        return findByInode(inode).orElseThrow(() ->
                new AssertionError("ss shows no socket with inode " + inode + ":\n" + rawOutput));
    }

    static Ss parse(String output) {
        List<SsSocket> sockets = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0)) && !block.isEmpty()) {
                sockets.add(parseBlock(block));
                block.clear();
            }
            block.add(line);
        }
        if (!block.isEmpty()) {
            sockets.add(parseBlock(block));
        }
        return new Ss(sockets, output);
    }

    private static SsSocket parseBlock(List<String> lines) {
        String[] columns = lines.get(0).trim().split("\\s+");
        if (columns.length < 5) {
            throw new AssertionError("unexpected ss line: " + lines.get(0));
        }
        String details = String.join(" ", lines);
        Matcher inode = INODE.matcher(details);
        Map<String, Long> skmem = new LinkedHashMap<>();
        Matcher mem = SKMEM.matcher(details);
        if (mem.find()) {
            for (String item : mem.group(1).split(",")) {
                Matcher m = SKMEM_ITEM.matcher(item.trim());
                if (m.matches()) {
                    skmem.put(m.group(1), Long.parseLong(m.group(2)));
                }
            }
        }
        return new SsSocket(columns[0], Long.parseLong(columns[1]), Long.parseLong(columns[2]),
                columns[3], columns[4], inode.find() ? Long.parseLong(inode.group(1)) : -1,
                skmem, details);
    }
}
