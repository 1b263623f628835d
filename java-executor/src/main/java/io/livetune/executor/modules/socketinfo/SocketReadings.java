package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.inject.InjectedSockets;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.DescriptorAccessDeniedException;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketGoneException;
import io.livetune.executor.sockets.SocketInspector;
import io.livetune.executor.sockets.SocketVisitor;
import io.livetune.executor.sockets.OpenedProcess;
import io.livetune.executor.sockets.OpenedProcesses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Reads every option of the listed sockets, each into its result entry. Sockets reached
 * through pidfd duplicates are read on every core when there are many (each is some thirty
 * getsockopt calls); sockets reached with ptrace are read process by process, in as few
 * stops as the engine makes. What cannot be read becomes a note on the entry, or with
 * {@code strict} a failure; a socket its process closes while it is read is always a note. A
 * process that exits meanwhile is a note too (on a busy host processes come and go during an
 * inventory), and a failure only with {@code strict}.
 */
final class SocketReadings {
    /** Below this many sockets, threads cost more than they save. */
    private static final int PARALLEL_FROM = 512;
    /** Sockets read before their entries are handed on. */
    private static final int CHUNK = 1024;
    /**
     * Entries a sink prepares at once: enough that a run's overhead (for the JSON front, a
     * generator and a copy of its bytes) is spread thin, few enough that both cores get work.
     */
    private static final int RUN = 64;

    private final OpenedProcesses targets;
    private final boolean strict;
    /**
     * Each socket's reading while it is under way, looked up by both cores several times a
     * socket: a concurrent map, not one lock they would queue at. (ScannedSocket keeps
     * Object's equals: the keys compare by identity, as an IdentityHashMap's did.)
     */
    private final Map<ScannedSocket, Reading> readings = new ConcurrentHashMap<>();

    SocketReadings(OpenedProcesses targets, boolean strict) {
        this.targets = targets;
        this.strict = strict;
    }

    /**
     * Reads the sockets and hands each entry to {@code sink}, in the order of {@code sockets}.
     * They are read a chunk at a time and each chunk handed on before the next is read, so a
     * listing of tens of thousands of sockets never holds more than one chunk of entries
     * (with {@code strict}, all at once: nothing is handed on before all were read). Sockets
     * not in {@code reached} (unless it is null) are not reached: their entries hold what the
     * scan's socket diagnostics carried.
     */
    <T> void read(List<ScannedSocket> sockets, Set<ScannedSocket> reached, SocketEntrySink<T> sink)
            throws IOException {
        Map<ProcessInfo, OpenedProcess> opened = new HashMap<>();
        for (Map.Entry<ProcessInfo, List<ScannedSocket>> process : ScannedSocket.byProcess(sockets).entrySet()) {
            OpenedProcess target = target(process.getKey(), process.getValue());
            if (target != null) {
                opened.put(process.getKey(), target);
            }
        }
        int chunk = strict ? Math.max(1, sockets.size()) : CHUNK;
        for (int from = 0; from < sockets.size(); from += chunk) {
            List<ScannedSocket> part = sockets.subList(from, Math.min(sockets.size(), from + chunk));
            readChunk(part, reached, opened);
            if (strict) {
                for (ScannedSocket socket : part) {
                    reading(socket).failIfUnreadable();
                }
            }
            for (T run : prepared(part, sink)) {
                sink.accept(run);
            }
        }
    }

    /**
     * The chunk's entries made ready by {@code sink}, a run of {@link #RUN} at a time, in the
     * chunk's order: on every core when there are many (for the JSON front, writing a chunk's
     * entries takes about half as long as reading them).
     */
    private <T> List<T> prepared(List<ScannedSocket> chunk, SocketEntrySink<T> sink) {
        IntStream runs = IntStream.range(0, (chunk.size() + RUN - 1) / RUN);
        return (chunk.size() >= PARALLEL_FROM ? runs.parallel() : runs)
                .mapToObj(run -> sink.prepare(entries(chunk, run * RUN, Math.min(chunk.size(), run * RUN + RUN))))
                .collect(Collectors.toList());
    }

    /** The finished entries of {@code chunk} from index {@code from} up to, not including, {@code to}. */
    private List<ObjectNode> entries(List<ScannedSocket> chunk, int from, int to) {
        List<ObjectNode> entries = new ArrayList<>(to - from);
        for (ScannedSocket socket : chunk.subList(from, to)) {
            entries.add(finished(socket).entry());
        }
        return entries;
    }

    /** Reads these sockets: through ptrace process by process, through duplicates on every core when many. */
    private void readChunk(List<ScannedSocket> chunk, Set<ScannedSocket> reached,
            Map<ProcessInfo, OpenedProcess> opened) {
        List<ScannedSocket> sockets = new ArrayList<>();
        for (ScannedSocket socket : chunk) {
            if (reached == null || reached.contains(socket)) {
                sockets.add(socket);
            } else {
                reading(socket).carriedOnly();
            }
        }
        List<ScannedSocket> throughDuplicates = new ArrayList<>();
        for (Map.Entry<ProcessInfo, List<ScannedSocket>> process : ScannedSocket.byProcess(sockets).entrySet()) {
            OpenedProcess target = opened.get(process.getKey());
            if (target == null) {
                continue; // unreachable: its sockets already carry the reason
            }
            if (target.usesPtrace()) {
                visit(target, process.getValue());
            } else {
                throughDuplicates.addAll(process.getValue());
            }
        }
        // The targets opened before the first chunk, from a map nothing writes meanwhile: not
        // OpenedProcesses.get(), whose lock both cores would take for every socket.
        (throughDuplicates.size() >= PARALLEL_FROM ? throughDuplicates.parallelStream() : throughDuplicates.stream())
                .forEach(socket -> visit(opened.get(socket.process()), List.of(socket)));
    }

    /** The process's target, or null when it cannot be reached (its sockets then carry the reason). */
    private OpenedProcess target(ProcessInfo process, List<ScannedSocket> sockets) throws IOException {
        try {
            return targets.get(process);
        } catch (ProcessGoneException e) { // exited since the scan: an inventory goes on without it
            for (ScannedSocket socket : sockets) {
                reading(socket).processExited(e);
            }
            return null;
        } catch (DescriptorAccessDeniedException e) {
            for (ScannedSocket socket : sockets) {
                reading(socket).unreadable(e);
            }
            return null;
        }
    }

    private void visit(OpenedProcess target, List<ScannedSocket> sockets) {
        try {
            target.visit(sockets, new SocketVisitor() {
                @Override
                public void visit(ScannedSocket socket, LiveSocket live) {
                    reading(socket).inspect(live);
                }

                @Override
                public void vanished(ScannedSocket socket, SocketGoneException why) {
                    reading(socket).vanished(why);
                }
            });
        } catch (ProcessGoneException e) { // exited while its sockets were read
            for (ScannedSocket socket : sockets) {
                if (!reading(socket).done()) {
                    reading(socket).processExited(e);
                }
            }
        } catch (IOException | ErrnoException | InjectedSockets.Failure e) { // refused, not traceable
            for (ScannedSocket socket : sockets) {
                if (!reading(socket).done()) {
                    reading(socket).unreadable(e);
                }
            }
        }
    }

    private Reading reading(ScannedSocket socket) {
        return readings.computeIfAbsent(socket, Reading::new);
    }

    /** Its reading, let go of: the entry is handed on. */
    private Reading finished(ScannedSocket socket) {
        Reading reading = readings.remove(socket);
        return reading != null ? reading : new Reading(socket);
    }


    /** One socket's entry and what was noted about it. */
    private final class Reading {
        private final ScannedSocket socket;
        private final ObjectNode entry;
        private final List<String> notes = new ArrayList<>();
        private String gone;
        private boolean done;

        Reading(ScannedSocket socket) {
            this.socket = socket;
            this.entry = SocketEntries.base(socket);
        }

        void inspect(LiveSocket live) {
            SocketInspector.inspect(live, socket.socket(), entry, notes);
            entry.put("method", live.method().label());
            done = true;
        }

        /** Not reached in this reading: what the scan carried, nothing noted. */
        void carriedOnly() {
            SocketInspector.inspectCarried(socket.socket(), entry);
            done = true;
        }

        void vanished(SocketGoneException why) {
            gone = "closed by its process while livetune read it (" + why.getMessage() + ")"
                    + (entry.has("options") ? ": the values are those it had then" : "");
            done = true;
        }

        /**
         * Its process exited between the scan and this reading: a note, like a socket it closed,
         * so that an inventory of a busy host survives processes that come and go; with
         * {@code strict}, which asks for every value of every socket, a failure.
         */
        void processExited(ProcessGoneException why) {
            String note = "its process exited while livetune read it (" + why.getMessage() + ")"
                    + (entry.has("options") ? ": the values are those it had then" : "");
            if (strict) {
                notes.add(note);
            } else {
                gone = note;
            }
            done = true;
        }

        void unreadable(Exception e) {
            String reason = e instanceof DescriptorAccessDeniedException
                    ? AccessAdvice.explain(((DescriptorAccessDeniedException) e).errno(),
                            ((DescriptorAccessDeniedException) e).process()).getMessage()
                    : e instanceof ErrnoException && AccessAdvice.refusedReach((ErrnoException) e)
                            ? AccessAdvice.explain((ErrnoException) e, socket.process()).getMessage()
                            : e.getMessage();
            notes.add("options not readable: " + reason);
            done = true;
        }

        boolean done() {
            return done;
        }

        /** With strict, a note that something could not be read is a failure (a vanished socket is not). */
        void failIfUnreadable() {
            if (!notes.isEmpty()) {
                throw new TaskFailure(socket.describe() + ": " + notes.get(0) + " (strict: true)");
            }
        }

        ObjectNode entry() {
            List<String> all = new ArrayList<>(notes);
            if (gone != null) {
                all.add(gone); // a connection that came and went: a note even with strict
            }
            if (!all.isEmpty()) {
                all.forEach(entry.putArray("notes")::add);
            }
            return entry;
        }
    }
}
