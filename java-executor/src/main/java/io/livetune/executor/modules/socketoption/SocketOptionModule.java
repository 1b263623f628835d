package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleSchema;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.NothingMatched;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.InvalidArguments;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.inject.InjectedSockets;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.procfs.NoSuchProcessException;
import io.livetune.executor.procfs.PidfileException;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessAccessDeniedException;
import io.livetune.executor.procfs.ProcessFinder;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.procfs.Sysctl;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketOption;
import io.livetune.executor.sockets.SocketScanner;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.sockets.SocketVisitor;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.sockets.OpenedProcesses;
import io.livetune.executor.text.Suggestions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * livetune.process.socket_option: sets socket options and the listen backlog on sockets of
 * running processes: through descriptors duplicated with pidfd_getfd, where the target never
 * stops, or (kernels without pidfd_getfd, or {@code method: ptrace}) with the calls run inside
 * the target, one thread stopped for an instant at a time.
 *
 * <p>Two passes: the first reads every socket and plans (and is all that check mode does),
 * so a permission problem or a wrong option stops the task before anything changed; the
 * second reaches each socket again, re-checks its inode, sets only what differs and reads
 * it back. Sockets that their process closes meanwhile are left alone ({@link SocketOptionRun}).
 */
public final class SocketOptionModule implements Module {
    public static final String NAME = "socket_option";

    /** Loaded by the first {@link #schema()}: a task served from the memo of validated arguments needs none. */
    private ModuleSchema schema;
    private final ProcFs proc = new ProcFs();
    private final LinuxSyscalls sys = LinuxSyscalls.get();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModuleSchema schema() {
        if (schema == null) {
            schema = ModuleSchema.load(NAME, new Completer());
        }
        return schema;
    }

    /** The selectors are shared with every socket module; the registry knows each option's type and range. */
    static void complete(ObjectNode schema) {
        Selection.addTo(schema);
        ObjectNode properties = (ObjectNode) schema.path("properties").path("options").path("properties");
        for (SocketOption option : OptionRegistry.all()) {
            properties.set(option.name(), option.schema());
        }
    }

    /** {@link #complete} as a plain class: a lambda costs each task's fresh JVM a call-site link. */
    private static final class Completer implements java.util.function.Consumer<ObjectNode> {
        @Override
        public void accept(ObjectNode schema) {
            complete(schema);
        }
    }

    /**
     * The ad-hoc short form {@code option=so_rcvbuf value=8388608} is one entry of {@code options}.
     * Option names are taken in any letter case, as the man pages spell them (SO_RCVBUF), and
     * become the registry's lower-case names, in {@code option} and in the keys of {@code options}.
     */
    @Override
    public JsonNode normalise(JsonNode written) {
        // coerced first, so that ad-hoc dictionaries ("options=SO_RCVBUF=1 ...") are seen as such
        JsonNode args = schema.coerce(written);
        ObjectNode merged = ((ObjectNode) args).deepCopy();
        if (merged.path("options").isObject()) {
            merged.set("options", canonicalNames((ObjectNode) merged.get("options")));
        }
        if (!args.has("option") && !args.has("value")) {
            return merged;
        }
        if (!args.has("option") || !args.has("value")) {
            throw new InvalidArguments(args.has("option") ? "value: is required with option" : "option: is required with value");
        }
        JsonNode option = args.get("option");
        if (!option.isTextual() || option.asText().isEmpty()) {
            return merged; // the schema names the rule
        }
        String name = canonicalName(option.asText());
        if (OptionRegistry.get(name) == null) {
            throw new InvalidArguments("option: unknown option '" + name + "'" + (name.equals("backlog")
                    ? "; backlog is a parameter of its own: write backlog=" + valueText(args.get("value"))
                    : Suggestions.didYouMean(name, OptionRegistry.names())));
        }
        if (merged.path("options").has(name)) {
            throw new InvalidArguments("option: " + name + " is also given in options; give it once");
        }
        JsonNode options = merged.path("options");
        ObjectNode target = options.isObject() ? (ObjectNode) options : merged.putObject("options");
        target.set(name, merged.get("value"));
        merged.remove("option");
        merged.remove("value");
        return merged;
    }

    /** so_rcvbuf for SO_RCVBUF or So_RcvBuf; a name the registry does not know stays as written. */
    private static String canonicalName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return OptionRegistry.get(name) == null && OptionRegistry.get(lower) != null ? lower : name;
    }

    private static ObjectNode canonicalNames(ObjectNode options) {
        ObjectNode canonical = options.objectNode();
        Map<String, String> spelling = new java.util.HashMap<>();
        options.fields().forEachRemaining(entry -> {
            String name = canonicalName(entry.getKey());
            String earlier = spelling.put(name, entry.getKey());
            if (earlier != null) {
                throw new InvalidArguments("options." + name + ": given twice, as " + earlier + " and as " + entry.getKey()
                        + "; give it once");
            }
            canonical.set(name, entry.getValue());
        });
        return canonical;
    }

    private static String valueText(JsonNode value) {
        return value.isValueNode() && !value.isNull() ? value.asText() : "N";
    }

    @Override
    public void run(JsonNode args, Task task) {
        SocketOptionRequest request = SocketOptionRequest.parse(args);
        try {
            KernelFactsReader kernel = new KernelFactsReader(proc, sys);
            List<ProcessInfo> processes = findProcesses(request, task);
            if (processes.isEmpty()) {
                return;
            }
            try (InjectedSockets ptrace = new InjectedSockets();
                    OpenedProcesses targets = new OpenedProcesses(sys, proc, request.method(), ptrace)) {
                List<ScannedSocket> sockets = new SocketScanner(proc, kernel, false).scan(processes, request.selection().sockets());
                if (sockets.isEmpty()) {
                    nothingMatched("no " + request.selection().socketsText() + " socket found in " + describe(processes),
                            request, task);
                    return;
                }
                Map<ScannedSocket, List<SocketSetting>> applicable = Applicability.check(sockets, request);
                new SocketOptionRun(targets, kernel, request, task).run(applicable);
                if (targets.anyPtrace() && request.method() == AccessMethod.AUTO) {
                    task.warn("this kernel (" + Sysctl.readOr("kernel.osrelease", "?") + ") has no pidfd_getfd: the "
                            + "calls ran inside the targets with ptrace, each stopping one thread for an instant");
                }
            }
        } catch (InjectedSockets.Failure e) {
            throw new TaskFailure(e.getMessage() + (task.isChanged() ? "" : "; nothing was changed"), e);
        } catch (ProcessAccessDeniedException e) {
            throw AccessAdvice.explain(e);
        } catch (ProcessGoneException e) {
            throw new TaskFailure(exitedMidRun(e) + (task.isChanged() ? "" : "; nothing was changed"), e);
        } catch (IOException e) {
            throw new TaskFailure(e.getMessage(), e);
        }
    }

    private List<ProcessInfo> findProcesses(SocketOptionRequest request, Task task) throws IOException {
        List<ProcessInfo> processes;
        ProcessFinder finder = new ProcessFinder(proc);
        try {
            processes = finder.find(request.selection().processes());
        } catch (NoSuchProcessException | PidfileException e) {
            nothingMatched(e.getMessage(), request, task); // a service that is not running
            return List.of();
        }
        if (processes.isEmpty()) {
            nothingMatched(finder.noMatch(request.selection().processes()), request, task);
        }
        return processes;
    }

    private static void nothingMatched(String what, SocketOptionRequest request, Task task) {
        NothingMatched.handle(what, request.ignoreMissing(), task);
        task.result().putArray("sockets");
    }

    /** The pid was found: it has exited since (a process not there at the start is "no such process"). */
    private static String exitedMidRun(ProcessGoneException e) {
        return e instanceof NoSuchProcessException ? e.getMessage()
                : "pid " + e.pid() + " exited while livetune was working on it";
    }

    static String describe(List<ProcessInfo> processes) {
        List<String> names = new ArrayList<>();
        for (ProcessInfo process : processes.subList(0, Math.min(3, processes.size()))) {
            names.add("pid " + process.pid() + " (" + process.name() + ")");
        }
        return String.join(", ", names) + (processes.size() > 3 ? " and " + (processes.size() - 3) + " more" : "");
    }
}
