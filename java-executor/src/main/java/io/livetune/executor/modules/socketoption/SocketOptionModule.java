package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleSchema;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.Task;
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
import io.livetune.executor.sockets.TargetProcesses;
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

    private final ModuleSchema schema = ModuleSchema.load(NAME, new Completer());
    private final ProcFs proc = new ProcFs();
    private final LinuxSyscalls sys = LinuxSyscalls.get();

    @Override
    public ModuleSchema schema() {
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

    /** The ad-hoc short form {@code option=so_rcvbuf value=8388608} is one entry of {@code options}. */
    @Override
    public JsonNode normalise(JsonNode args) {
        if (!args.has("option") && !args.has("value")) {
            return args;
        }
        if (!args.has("option") || !args.has("value")) {
            throw new TaskFailure(args.has("option") ? "value: is required with option" : "option: is required with value");
        }
        String name = args.get("option").asText();
        if (OptionRegistry.get(name) == null) {
            throw new TaskFailure("option: unknown option '" + name + "'"
                    + Suggestions.didYouMean(name, OptionRegistry.names()));
        }
        if (args.path("options").has(name)) {
            throw new TaskFailure("option: " + name + " is also given in options; give it once");
        }
        ObjectNode merged = ((ObjectNode) args).deepCopy();
        JsonNode options = merged.path("options");
        ObjectNode target = options.isObject() ? (ObjectNode) options : merged.putObject("options");
        target.set(name, merged.get("value"));
        merged.remove("option");
        merged.remove("value");
        return merged;
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
            try (RemoteAccess ptrace = new RemoteAccess();
                    TargetProcesses targets = new TargetProcesses(sys, proc, request.method, ptrace)) {
                List<ScannedSocket> sockets = new SocketScanner(proc, kernel, false).scan(processes, request.selection.sockets());
                if (sockets.isEmpty()) {
                    nothingMatched("no " + request.selection.socketsText() + " socket found in " + describe(processes),
                            request, task);
                    return;
                }
                Map<ScannedSocket, List<SocketSetting>> applicable = Applicability.check(sockets, request);
                new SocketOptionRun(targets, kernel, request, task).run(applicable);
                if (targets.anyPtrace() && request.method == AccessMethod.AUTO) {
                    task.warn("this kernel (" + Sysctl.readOr("kernel.osrelease", "?") + ") has no pidfd_getfd: the "
                            + "calls ran inside the targets with ptrace, each stopping one thread for an instant");
                }
            }
        } catch (InjectedSockets.Failure e) {
            throw new TaskFailure(e.getMessage() + (task.isChanged() ? "" : "; nothing was changed"), e);
        } catch (ProcessAccessDeniedException e) {
            throw AccessAdvice.explain(e);
        } catch (ProcessGoneException e) {
            throw new TaskFailure(e.getMessage() + (task.isChanged() ? "" : "; nothing was changed"), e);
        } catch (IOException e) {
            throw new TaskFailure(e.getMessage(), e);
        }
    }

    /** Sockets reached with ptrace, through one injector for the task, made only if needed. */
    private static final class RemoteAccess implements AccessMethod.RemoteSockets, AutoCloseable {
        private InjectedSockets injected;

        @Override
        public void visit(ProcessInfo process, List<ScannedSocket> sockets, SocketVisitor visitor)
                throws ErrnoException, IOException {
            synchronized (this) {
                if (injected == null) {
                    injected = new InjectedSockets(new Injector());
                }
            }
            injected.visit(process, sockets, visitor);
        }

        @Override
        public synchronized void close() {
            if (injected != null) {
                injected.close();
            }
        }
    }

    private List<ProcessInfo> findProcesses(SocketOptionRequest request, Task task) throws IOException {
        List<ProcessInfo> processes;
        try {
            processes = new ProcessFinder(proc).find(request.selection.processes());
        } catch (NoSuchProcessException | PidfileException e) {
            nothingMatched(e.getMessage(), request, task); // a service that is not running
            return List.of();
        }
        if (processes.isEmpty()) {
            nothingMatched("no process matched " + request.selection.processes().describe(), request, task);
        }
        return processes;
    }

    private static void nothingMatched(String what, SocketOptionRequest request, Task task) {
        if (!request.ignoreMissing) {
            throw new TaskFailure(what + " (set missing: ignore to accept that)");
        }
        task.result().put("msg", what + "; nothing to do (missing: ignore)");
        task.result().putArray("sockets");
    }

    static String describe(List<ProcessInfo> processes) {
        List<String> names = new ArrayList<>();
        for (ProcessInfo process : processes.subList(0, Math.min(3, processes.size()))) {
            names.add("pid " + process.pid() + " (" + process.name() + ")");
        }
        return String.join(", ", names) + (processes.size() > 3 ? " and " + (processes.size() - 3) + " more" : "");
    }
}
