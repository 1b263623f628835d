package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleSchema;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.NoSuchProcessException;
import io.livetune.executor.procfs.PidfileException;
import io.livetune.executor.procfs.ProcessAccessDeniedException;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessFinder;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.DescriptorAccessDeniedException;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketInspector;
import io.livetune.executor.sockets.SocketGoneException;
import io.livetune.executor.sockets.SocketVisitor;
import io.livetune.executor.sockets.SocketScanner;
import io.livetune.executor.sockets.OpenedProcesses;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.inject.InjectedSockets;
import io.livetune.executor.procfs.Sysctl;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * livetune.process.socket_info: every socket option of every matched socket, read from user
 * space through duplicated descriptors (or, on kernels without pidfd_getfd, from inside the
 * process with ptrace): what /proc, lsof and ss cannot show. Read-only: never changed, and
 * the same in check mode.
 *
 * <p>A socket whose options cannot be read (a process that exited, a process we may not
 * trace) is still listed, with a note saying why, unless {@code strict} is set.
 */
public final class SocketInfoModule implements Module {
    public static final String NAME = "socket_info";

    /** Loaded by the first {@link #schema()}: a task served from the memo of validated arguments needs none. */
    private ModuleSchema schema;
    private final ProcFs proc = new ProcFs();
    private final LinuxSyscalls sys = LinuxSyscalls.get();
    /** Where entries go instead of the result's array; null: into the array. */
    private final SocketEntrySink<?> sink;
    /** Which sockets are reached for what only getsockopt tells; null: every one. */
    private final ReadingSlice slice;

    public SocketInfoModule() {
        this(null, null);
    }

    /**
     * The module handing each entry to {@code sink} as soon as it is read; the result's
     * {@code sockets} array then stays empty (the caller puts its own in its place).
     */
    public SocketInfoModule(SocketEntrySink<?> sink) {
        this(sink, null);
    }

    /**
     * @param sink  where entries go (null: the result's array)
     * @param slice which sockets are reached through getsockopt at each run (null: all); the
     *              others' entries hold what the scan's socket diagnostics carried
     */
    public SocketInfoModule(SocketEntrySink<?> sink, ReadingSlice slice) {
        this.sink = sink;
        this.slice = slice;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModuleSchema schema() {
        if (schema == null) {
            schema = ModuleSchema.load(NAME, Selection::addTo);
        }
        return schema;
    }

    @Override
    public void run(JsonNode args, Task task) {
        Selection selection = Selection.parse(args, false);
        boolean strict = args.path("strict").asBoolean(false);
        ArrayNode results = task.result().putArray("sockets");
        try {
            KernelFactsReader kernel = new KernelFactsReader(proc, sys);
            List<ProcessInfo> processes = find(selection, args, task);
            SocketScanner scanner = new SocketScanner(proc, kernel, !strict).withOptionValues();
            if (selection.processes().isEverything()) {
                scanner.readingWholeTablesBesideWalk();
            }
            List<ScannedSocket> sockets = scanner.scan(processes, selection.sockets());
            scanner.skipped().forEach(task::warn);
            if (!selection.processes().isEverything() && !sockets.isEmpty()) {
                // Sockets are shared across fork: name the relatives that hold them too.
                scanner.addHolders(sockets, new ProcessFinder(proc).relativesOf(processes));
            }
            Set<Integer> owners = new LinkedHashSet<>();
            AccessMethod method = AccessMethod.of(args);
            try (InjectedSockets ptrace = new InjectedSockets();
                    OpenedProcesses targets = new OpenedProcesses(sys, proc, method, ptrace)) {
                SocketEntrySink<?> entries = sink != null ? sink : SocketEntrySink.into(results);
                new SocketReadings(targets, strict).read(sockets, slice == null ? null : slice.pick(sockets), entries);
                if (ptrace.used() && method == AccessMethod.AUTO) {
                    task.warn("this kernel (" + Sysctl.readOr("kernel.osrelease", "?") + ") has no pidfd_getfd: the "
                            + "sockets were read from inside their processes with ptrace, each stop holding one "
                            + "thread for at most about half a millisecond (method: pidfd never stops a process, "
                            + "and reads nothing on such a kernel)");
                }
            }
            sockets.forEach(socket -> socket.holders().forEach(holder -> owners.add(holder.pid())));
            task.result().put("msg", sockets.size() + " socket(s) in " + owners.size() + " process(es)");
        } catch (ProcessAccessDeniedException e) {
            throw AccessAdvice.explain(e);
        } catch (IOException e) {
            throw new TaskFailure(e.getMessage(), e);
        }
    }

    private List<ProcessInfo> find(Selection selection, JsonNode args, Task task) throws IOException {
        ProcessFinder finder = new ProcessFinder(proc);
        try {
            List<ProcessInfo> found = finder.find(selection.processes());
            String partial = finder.visibilityNote(selection.processes());
            if (!partial.isEmpty()) {
                task.warn(partial); // a listing, not a failure: say it may be incomplete
            }
            return found;
        } catch (NoSuchProcessException | PidfileException e) {
            if ("ignore".equals(args.path("missing").asText("fail"))) {
                task.warn(e.getMessage() + "; nothing listed (missing: ignore)");
                return new ArrayList<>();
            }
            throw e;
        }
    }
}
