package io.livetune.executor.modules.socketinfo;

import io.livetune.executor.sockets.ScannedSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Which sockets of a repeated reading ({@code sockets --watch}) are reached for the options
 * that only getsockopt tells: at most a budget per reading, taking turns in inode order, so
 * that the processor time of a reading has a bound however many sockets there are. Each
 * socket's turn comes again after ceil(sockets / budget) readings, sockets that open or close
 * meanwhile notwithstanding. Everything else of every socket (identity, state, queues, and
 * the values the kernel's socket diagnostics carry) is read at every reading.
 */
public final class ReadingSlice {
    private final int budget;
    /** The inode the last turn ended at: the next starts above it. */
    private long lastInode = -1;
    private final Set<Long> read = new HashSet<>();

    /** @param budget sockets reached per reading, at least 1 */
    public ReadingSlice(int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("a reading reaches at least one socket, not " + budget);
        }
        this.budget = budget;
    }

    /** The sockets to reach in this reading: all of them when they are no more than the budget. */
    Set<ScannedSocket> pick(List<ScannedSocket> sockets) {
        read.clear();
        Set<ScannedSocket> picked = Collections.newSetFromMap(new IdentityHashMap<>());
        if (sockets.size() <= budget) {
            picked.addAll(sockets);
        } else {
            List<ScannedSocket> byInode = new ArrayList<>(sockets);
            byInode.sort(Comparator.comparingLong(socket -> socket.socket().inode()));
            int start = 0;
            while (start < byInode.size() && byInode.get(start).socket().inode() <= lastInode) {
                start++;
            }
            for (int i = 0; i < budget; i++) {
                ScannedSocket socket = byInode.get((start + i) % byInode.size());
                picked.add(socket);
                lastInode = socket.socket().inode();
            }
        }
        for (ScannedSocket socket : picked) {
            read.add(socket.socket().inode());
        }
        return picked;
    }

    /** Whether the last reading reached the socket with this inode. */
    public boolean wasRead(long inode) {
        return read.contains(inode);
    }
}
