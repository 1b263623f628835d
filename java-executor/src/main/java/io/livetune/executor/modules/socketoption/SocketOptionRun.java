package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.Expected;
import io.livetune.executor.sockets.KernelFacts;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketReplacedException;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.sockets.ProcessAccessException;
import io.livetune.executor.sockets.TargetProcess;
import io.livetune.executor.sockets.TargetProcesses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One socket_option task's passes over the matched sockets: read and plan, then apply and verify. */
final class SocketOptionRun {
    private final TargetProcesses targets;
    private final KernelFactsReader kernel;
    private final SocketOptionRequest request;
    private final Task task;
    private final List<SocketPlan> plans = new ArrayList<>();
    private final Set<Integer> processes = new LinkedHashSet<>();
    private final WindowScaleNotes windowScale = new WindowScaleNotes();

    SocketOptionRun(TargetProcesses targets, KernelFactsReader kernel, SocketOptionRequest request, Task task) {
        this.targets = targets;
        this.kernel = kernel;
        this.request = request;
        this.task = task;
    }

    void run(Map<ScannedSocket, List<SocketSetting>> applicable) throws IOException {
        ArrayNode results = task.result().putArray("sockets");
        try {
            for (Map.Entry<ScannedSocket, List<SocketSetting>> entry : applicable.entrySet()) {
                SocketPlan plan = plan(entry.getKey(), entry.getValue());
                if (plan != null) {
                    plans.add(plan);
                    processes.add(plan.target.pid());
                }
            }
            windowScale.warnInto(task);
            for (SocketPlan plan : plans) {
                if (plan.needsChange()) {
                    if (!task.checkMode()) {
                        apply(plan);
                    }
                    plan.changed = true;
                    task.changed();
                    task.addDiff(plan.target.describe(), SocketPlan.text(plan.before), SocketPlan.text(plan.after));
                }
            }
        } finally {
            plans.forEach(plan -> results.add(plan.toJson()));
            task.result().put("msg", summary());
        }
    }

    /** Reads what the socket reports now and what it will report after the change; null if it went away. */
    private SocketPlan plan(ScannedSocket socket, List<SocketSetting> settings) throws IOException {
        KernelFacts facts = kernel.forProcess(socket.pid());
        SocketPlan plan = new SocketPlan(socket);
        try (LiveSocket duplicate = duplicate(socket)) {
            if (duplicate == null) {
                return null;
            }
            for (SocketSetting setting : settings) {
                JsonNode requested = request.settings.get(setting);
                JsonNode current = read(setting, duplicate, socket);
                Expected expected = setting.expect(requested, current, facts, request.force,
                        socket.socket().protocol());
                if (expected.warning() != null) {
                    task.warn(expected.warning());
                }
                plan.add(setting, requested, current, expected.value());
            }
            windowScale.check(plan, duplicate);
        }
        return plan;
    }

    /**
     * Sets what differs on one socket, all or nothing: if the kernel refuses one value, the
     * values already set on this socket are put back as they were before failing the task.
     */
    private void apply(SocketPlan plan) throws IOException {
        Map<SocketSetting, JsonNode> differences = plan.differences();
        try (LiveSocket duplicate = duplicate(plan.target)) {
            if (duplicate == null) {
                throw new TaskFailure(plan.target.describe() + " was closed by its process between reading and "
                        + "changing it; run the task again" + alreadyChanged());
            }
            List<SocketSetting> done = new ArrayList<>();
            for (Map.Entry<SocketSetting, JsonNode> change : differences.entrySet()) {
                try {
                    change.getKey().write(duplicate, change.getValue(), request.force);
                } catch (ErrnoException e) {
                    String undo = rollBack(done, duplicate, plan);
                    throw new TaskFailure(change.getKey().name() + ": the kernel refused " + change.getValue()
                            + " on " + plan.target.describe() + ": " + e.getMessage()
                            + WriteAdvice.forFailure(change.getKey(), change.getValue(), e) + undo + alreadyChanged(),
                            e);
                }
                done.add(change.getKey());
            }
            for (SocketSetting setting : differences.keySet()) {
                JsonNode reported = read(setting, duplicate, plan.target);
                if (!reported.equals(plan.after.get(setting))) {
                    task.warn(setting.name() + ": the kernel reports " + reported + " after setting "
                            + plan.requested.get(setting) + " on " + plan.target.describe() + " (livetune expected "
                            + plan.after.get(setting) + ")");
                }
                plan.after.put(setting, reported);
            }
        }
    }

    /** Puts back the values set so far on this socket; says what could not be put back. */
    private String rollBack(List<SocketSetting> done, LiveSocket duplicate, SocketPlan plan) {
        List<String> stuck = new ArrayList<>();
        for (SocketSetting setting : done) {
            try {
                setting.restore(duplicate, plan.before.get(setting));
            } catch (ErrnoException e) {
                stuck.add(setting.name());
            }
        }
        if (stuck.isEmpty()) {
            return done.isEmpty() ? "" : " (" + done.size() + " value(s) already set on this socket were put back)";
        }
        plan.changed = true; // the socket is left changed: say so in the result
        task.changed();
        return " (could not put back " + String.join(", ", stuck) + " on this socket: it is left changed)";
    }

    private JsonNode read(SocketSetting setting, LiveSocket duplicate, ScannedSocket socket) {
        try {
            return setting.read(duplicate);
        } catch (ErrnoException e) {
            throw new TaskFailure(setting.name() + ": cannot read it on " + socket.describe() + ": "
                    + e.getMessage() + alreadyChanged(), e);
        }
    }

    /** Our duplicate of the socket, or null when the process closed it since the scan (it is skipped). */
    private LiveSocket duplicate(ScannedSocket socket) throws IOException {
        TargetProcess target;
        try {
            target = targets.get(socket.process());
        } catch (ProcessAccessException e) {
            throw AccessAdvice.explain(e.errno(), e.process());
        }
        try {
            return target.duplicate(socket);
        } catch (SocketReplacedException e) {
            task.warn("pid " + socket.pid() + ": " + e.getMessage() + "; left alone");
            return null;
        } catch (ErrnoException e) {
            if (e.is(Errno.EBADF)) {
                task.warn("pid " + socket.pid() + " closed fd " + socket.fd() + " while livetune worked; left alone");
                return null;
            }
            if (e.is(Errno.ESRCH)) {
                throw new ProcessGoneException(socket.pid());
            }
            throw AccessAdvice.explain(e, socket.process());
        }
    }

    private String alreadyChanged() {
        long done = plans.stream().filter(plan -> plan.changed).count();
        return done == 0 || task.checkMode() ? "; nothing was changed"
                : "; " + done + " socket(s) were already changed (listed in sockets)";
    }

    private String summary() {
        long changed = plans.stream().filter(plan -> plan.changed).count();
        String scope = plans.size() + " socket(s) in " + processes.size() + " process(es)";
        if (changed == 0) {
            return "all " + scope + " already as requested";
        }
        return (task.checkMode() ? "would change " : "changed ") + changed + " of " + scope;
    }
}
