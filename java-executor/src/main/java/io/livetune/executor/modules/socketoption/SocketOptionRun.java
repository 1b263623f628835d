package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.Expected;
import io.livetune.executor.sockets.KernelFacts;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.DescriptorAccessDeniedException;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketGoneException;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.sockets.SocketVisitor;
import io.livetune.executor.sockets.OpenedProcess;
import io.livetune.executor.sockets.OpenedProcesses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One socket_option task's passes over the matched sockets, process by process: read and
 * plan, then apply and verify. A socket its process closes or replaces at any moment between
 * the scan and its last read-back is left alone and reported in {@code vanished} (a failure
 * only with {@code strict}); a refusal by the kernel on a socket still held fails the task.
 */
final class SocketOptionRun {
    private final OpenedProcesses targets;
    private final KernelFactsReader kernel;
    private final SocketOptionRequest request;
    private final Task task;
    private final Map<ScannedSocket, SocketPlan> plans = new LinkedHashMap<>();
    private final VanishedSockets vanished = new VanishedSockets();
    private final WindowScaleNotes windowScale = new WindowScaleNotes();

    SocketOptionRun(OpenedProcesses targets, KernelFactsReader kernel, SocketOptionRequest request, Task task) {
        this.targets = targets;
        this.kernel = kernel;
        this.request = request;
        this.task = task;
    }

    void run(Map<ScannedSocket, List<SocketSetting>> applicable) throws IOException {
        try {
            Map<ProcessInfo, List<ScannedSocket>> toRead = ScannedSocket.byProcess(applicable.keySet());
            for (Map.Entry<ProcessInfo, List<ScannedSocket>> process : toRead.entrySet()) {
                Planner planner = new Planner(applicable, kernel.forProcess(process.getKey().pid()));
                visit(process.getKey(), process.getValue(), planner);
            }
            windowScale.warnInto(task, plans.values());
            if (!task.checkMode()) {
                List<ScannedSocket> toChange = new ArrayList<>();
                for (SocketPlan plan : plans.values()) {
                    if (plan.needsChange()) {
                        toChange.add(plan.target);
                    }
                }
                for (Map.Entry<ProcessInfo, List<ScannedSocket>> process
                        : ScannedSocket.byProcess(toChange).entrySet()) {
                    visit(process.getKey(), process.getValue(), new Applier());
                }
            }
            for (SocketPlan plan : plans.values()) {
                if (plan.needsChange()) {
                    plan.changed = true;
                }
            }
            if (request.strict() && !vanished.isEmpty()) {
                throw new TaskFailure("strict: " + vanished.sentence() + alreadyChanged());
            }
        } finally {
            report();
        }
    }

    private void visit(ProcessInfo process, List<ScannedSocket> sockets, PassVisitor visitor) throws IOException {
        OpenedProcess target;
        try {
            target = targets.get(process);
        } catch (DescriptorAccessDeniedException e) {
            throw AccessAdvice.explain(e.errno(), e.process());
        }
        try {
            target.visit(sockets, visitor);
        } catch (ErrnoException e) {
            if (AccessAdvice.refusedReach(e)) {
                throw new TaskFailure(AccessAdvice.explain(e, process).getMessage() + alreadyChanged(), e);
            }
            throw new TaskFailure(visitor.failure(e) + alreadyChanged(), e);
        }
    }


    /** A pass's visitor, which knows how to word the kernel's refusal of what it was doing. */
    private abstract class PassVisitor implements SocketVisitor {
        /** What the visit was doing when the kernel refused; set just before rethrowing. */
        String failure;

        String failure(ErrnoException e) {
            return failure != null ? failure : e.getMessage();
        }

        void forget(ScannedSocket socket, SocketGoneException why, String doing) {
            failure = null;
            SocketPlan plan = plans.remove(socket);
            if (plan != null) {
                plan.changed = false;
            }
            vanished.add(socket, why, doing);
        }
    }

    /** Pass 1: what each socket reports now and will report after the change. */
    private final class Planner extends PassVisitor {
        private final Map<ScannedSocket, List<SocketSetting>> applicable;
        private final KernelFacts facts;

        Planner(Map<ScannedSocket, List<SocketSetting>> applicable, KernelFacts facts) {
            this.applicable = applicable;
            this.facts = facts;
        }

        @Override
        public void visit(ScannedSocket socket, LiveSocket live) throws ErrnoException {
            SocketPlan plan = new SocketPlan(socket);
            plan.method = live.method();
            for (SocketSetting setting : applicable.get(socket)) {
                JsonNode requested = request.settings().get(setting);
                JsonNode current = read(setting, live, socket);
                Expected expected = setting.expect(requested, current, facts, request.force(),
                        socket.socket().protocol());
                if (expected.warning() != null) {
                    task.warn(expected.warning()); // about the value asked for: the same for every socket
                }
                plan.add(setting, requested, current, expected.value());
            }
            windowScale.check(plan, live);
            plans.put(socket, plan);
        }

        private JsonNode read(SocketSetting setting, LiveSocket live, ScannedSocket socket) throws ErrnoException {
            try {
                return setting.read(live);
            } catch (ErrnoException e) {
                failure = setting.name() + ": cannot read it on " + socket.describe() + ": " + e.getMessage();
                throw e;
            }
        }

        @Override
        public void vanished(ScannedSocket socket, SocketGoneException why) {
            forget(socket, why, "reading it");
        }
    }

    /**
     * Pass 2: sets what differs on each socket, all or nothing per socket: if the kernel
     * refuses one value, the values already set on this socket are put back first. Then reads
     * every changed value back.
     */
    private final class Applier extends PassVisitor {
        @Override
        public void visit(ScannedSocket socket, LiveSocket live) throws ErrnoException {
            SocketPlan plan = plans.get(socket);
            Map<SocketSetting, JsonNode> differences = plan.differences();
            List<SocketSetting> done = new ArrayList<>();
            for (Map.Entry<SocketSetting, JsonNode> change : differences.entrySet()) {
                try {
                    change.getKey().write(live, change.getValue(), request.force());
                } catch (ErrnoException e) {
                    String undo = rollBack(done, live, plan);
                    failure = change.getKey().name() + ": the kernel refused " + change.getValue() + " on "
                            + socket.describe() + ": " + e.getMessage()
                            + WriteAdvice.forFailure(change.getKey(), change.getValue(), e) + undo;
                    throw e;
                }
                done.add(change.getKey());
                plan.changed = true; // set on a socket still held, unless the final check says otherwise
            }
            for (SocketSetting setting : differences.keySet()) {
                JsonNode reported;
                try {
                    reported = setting.read(live);
                } catch (ErrnoException e) {
                    failure = setting.name() + ": set, but cannot read it back on " + socket.describe() + ": "
                            + e.getMessage();
                    throw e;
                }
                plan.readBack(setting, reported);
            }
        }

        @Override
        public void vanished(ScannedSocket socket, SocketGoneException why) {
            forget(socket, why, "changing it");
        }

        /** Puts back the values set so far on this socket; says what could not be put back. */
        private String rollBack(List<SocketSetting> done, LiveSocket live, SocketPlan plan) {
            List<String> stuck = new ArrayList<>();
            for (SocketSetting setting : done) {
                try {
                    setting.restore(live, plan.before.get(setting));
                } catch (ErrnoException e) {
                    stuck.add(setting.name());
                }
            }
            if (stuck.isEmpty()) {
                plan.changed = false;
                return done.isEmpty() ? "" : " (" + done.size() + " value(s) already set on this socket were put back)";
            }
            return " (could not put back " + String.join(", ", stuck) + " on this socket: it is left changed)";
        }
    }

    /** The result: sockets, vanished, changed, diff, warnings and msg, also when the task failed. */
    private void report() {
        ArrayNode results = task.result().putArray("sockets");
        for (SocketPlan plan : plans.values()) {
            results.add(plan.toJson());
            if (plan.changed) {
                task.changed();
                task.addDiff(plan.target.describe(), SocketPlan.text(plan.before), SocketPlan.text(plan.after));
                for (String warning : plan.unexpectedReadBacks()) {
                    task.warn(warning);
                }
            }
        }
        task.result().set("vanished", vanished.toJson());
        if (!vanished.isEmpty() && !request.strict()) {
            task.warn(vanished.sentence());
        }
        task.result().put("msg", summary());
    }

    private String alreadyChanged() {
        long done = changedCount();
        return done == 0 || task.checkMode() ? "; nothing was changed"
                : "; " + done + " socket(s) were already changed (listed in sockets)";
    }

    private long changedCount() {
        long changed = 0;
        for (SocketPlan plan : plans.values()) {
            if (plan.changed) {
                changed++;
            }
        }
        return changed;
    }

    private String summary() {
        long changed = changedCount();
        Set<Integer> pids = new HashSet<>();
        for (SocketPlan plan : plans.values()) {
            pids.add(plan.target.pid());
        }
        long processes = pids.size();
        String scope = plans.size() + " socket(s) in " + processes + " process(es)";
        String left = vanished.isEmpty() ? "" : "; " + vanished.size() + " more went away while livetune worked "
                + "and were left alone";
        if (changed == 0) {
            return "all " + scope + " already as requested" + left;
        }
        return (task.checkMode() ? "would change " : "changed ") + changed + " of " + scope + left;
    }
}
