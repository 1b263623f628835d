package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.inject.InjectedSockets;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ErrnoException;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads every option of the listed sockets, each into its result entry. Sockets reached
 * through pidfd duplicates are read on every core when there are many (each is some thirty
 * getsockopt calls); sockets reached with ptrace are read process by process, in as few
 * stops as the engine makes. What cannot be read becomes a note on the entry, or with
 * {@code strict} a failure; a socket its process closes while it is read is always a note.
 */
final class SocketReadings {
    /** Below this many sockets, threads cost more than they save. */
    private static final int PARALLEL_FROM = 512;

    private final OpenedProcesses targets;
    private final boolean strict;
    private final Map<ScannedSocket, Reading> readings = new IdentityHashMap<>();

    SocketReadings(OpenedProcesses targets, boolean strict) {
        this.targets = targets;
        this.strict = strict;
    }

    /** The entries, in the order of {@code sockets}. */
    List<ObjectNode> read(List<ScannedSocket> sockets) throws IOException {
        List<ScannedSocket> throughDuplicates = new ArrayList<>();
        for (Map.Entry<ProcessInfo, List<ScannedSocket>> process : ScannedSocket.byProcess(sockets).entrySet()) {
            OpenedProcess target = target(process.getKey(), process.getValue());
            if (target == null) {
                continue;
            }
            if (target.usesPtrace()) {
                visit(target, process.getValue());
            } else {
                throughDuplicates.addAll(process.getValue());
            }
        }
        (throughDuplicates.size() >= PARALLEL_FROM ? throughDuplicates.parallelStream() : throughDuplicates.stream())
                .forEach(socket -> {
                    try {
                        visit(targets.get(socket.process()), List.of(socket));
                    } catch (IOException | DescriptorAccessDeniedException e) {
                        reading(socket).unreadable(e);
                    }
                });
        if (strict) {
            for (ScannedSocket socket : sockets) {
                reading(socket).failIfUnreadable();
            }
        }
        return sockets.stream().map(socket -> reading(socket).entry()).collect(Collectors.toList());
    }

    /** The process's target, or null when it cannot be reached (its sockets then carry the reason). */
    private OpenedProcess target(ProcessInfo process, List<ScannedSocket> sockets) throws IOException {
        try {
            return targets.get(process);
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
        } catch (IOException | ErrnoException | InjectedSockets.Failure e) { // exited, refused, not traceable
            for (ScannedSocket socket : sockets) {
                if (!reading(socket).done()) {
                    reading(socket).unreadable(e);
                }
            }
        }
    }

    private synchronized Reading reading(ScannedSocket socket) {
        return readings.computeIfAbsent(socket, Reading::new);
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

        void vanished(SocketGoneException why) {
            gone = "closed by its process while livetune read it (" + why.getMessage() + ")"
                    + (entry.has("options") ? ": the values are those it had then" : "");
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
