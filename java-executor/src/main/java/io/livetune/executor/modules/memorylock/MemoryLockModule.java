package io.livetune.executor.modules.memorylock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.inject.InjectionException;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.modules.AccessAdvice;
import io.livetune.executor.procfs.NoSuchProcessException;
import io.livetune.executor.procfs.PidfileException;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleSchema;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.NothingMatched;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ResourceLimits;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessAccessDeniedException;
import io.livetune.executor.procfs.ProcessFinder;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * livetune.process.memory_lock: locks a running process's memory in RAM (or unlocks it) by
 * running mlockall/mlock/munlockall/munlock inside it with the remote-syscall engine. Linux
 * has no remote mlock; this is the counterpart of Solaris libproc's pr_memcntl.
 *
 * <p>Two passes, as socket_option: the first reads every process and plans (all that check
 * mode does), so a limit problem stops the task before anything changed; the second raises
 * limits where asked, injects, and reads the kernel's state back. A process already in the
 * requested state is not even stopped.
 */
public final class MemoryLockModule implements Module {
    public static final String NAME = "memory_lock";

    /** Loaded by the first {@link #schema()}: a task served from the memo of validated arguments needs none. */
    private ModuleSchema schema;
    private final ProcFs proc = new ProcFs();
    private final ResourceLimits limits = ResourceLimits.get();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModuleSchema schema() {
        if (schema == null) {
            schema = ModuleSchema.load(NAME, Selection::addProcessSelectorsTo);
        }
        return schema;
    }

    @Override
    public void run(JsonNode args, Task task) {
        MemoryLockRequest request = MemoryLockRequest.parse(args);
        ArrayNode results = task.result().putArray("processes");
        List<ProcessPlan> plans = new ArrayList<>();
        try {
            List<ProcessInfo> processes;
            ProcessFinder finder = new ProcessFinder(proc);
            String what = finder.noMatch(request.processes());
            try {
                processes = finder.find(request.processes());
            } catch (NoSuchProcessException | PidfileException e) {
                processes = List.of(); // a service that is not running
                what = e.getMessage();
            }
            if (processes.isEmpty()) {
                NothingMatched.handle(what, request.ignoreMissing(), task);
                return;
            }
            try (Injector injector = new Injector()) {
                FutureLockProbe probe = new FutureLockProbe(injector, proc);
                for (ProcessInfo process : processes) {
                    plans.add(plan(process, request, probe, task));
                }
                MemoryLocker locker = new MemoryLocker(injector, limits);
                for (ProcessPlan plan : plans) {
                    if (plan.needsChange()) {
                        apply(plan, locker, task);
                    }
                }
            }
            task.result().put("msg", summary(plans, request, task));
        } catch (ProcessAccessDeniedException e) {
            throw AccessAdvice.explain(e);
        } catch (NoSuchProcessException e) {
            throw new TaskFailure(e.getMessage() + alreadyChanged(plans, task), e);
        } catch (ProcessGoneException e) {
            // it was found, so it has exited since
            throw new TaskFailure("pid " + e.pid() + " exited while livetune was working on it"
                    + alreadyChanged(plans, task), e);
        } catch (InjectionException e) {
            throw new TaskFailure(e.getMessage() + alreadyChanged(plans, task), e);
        } catch (TaskFailure e) {
            throw new TaskFailure(e.getMessage() + alreadyChanged(plans, task), e);
        } catch (IOException e) {
            throw new TaskFailure(e.getMessage(), e);
        } finally {
            plans.forEach(plan -> results.add(plan.toJson(task.checkMode())));
        }
    }

    /**
     * Reads the process and decides; fails here (before any change) when the limit blocks the
     * lock. Only future: true on a process whose every mapping is locked already stops it, for
     * the one thing /proc does not show: whether MCL_FUTURE is in force.
     */
    private ProcessPlan plan(ProcessInfo process, MemoryLockRequest request, FutureLockProbe probe, Task task)
            throws IOException, InjectionException {
        ProcessPlan plan = new ProcessPlan(process, MemoryState.read(proc, process.pid()), request);
        if (plan.futureUnknown()) {
            plan.futureBefore = probe.inForce(plan, task);
        }
        MemoryState state = plan.before;
        if (!plan.onFaultUnknown.isEmpty()) {
            task.warn(plan.describe() + ": this kernel's /proc/PID/smaps does not show whether "
                    + plan.onFaultUnknown.size() + " locked mapping(s) are locked on fault (VM_LOCKONFAULT is named "
                    + "'lf' in VmFlags only from Linux 6.2, '??' before, and its place is not certain here, first "
                    + plan.onFaultUnknown.get(0).mapping().describe() + ": " + plan.onFaultUnknown.get(0).flags()
                    + "); they are locked again as asked, so the task reports a change");
        }
        if (plan.needsChange() && plan.limitTooLow()) {
            if (!request.raiseLimit()) {
                throw new TaskFailure(state.softLimit == 0
                        ? "not permitted: " + plan.describe() + " has no CAP_IPC_LOCK and its RLIMIT_MEMLOCK is 0, so "
                                + "it may not lock memory; set raise_limit: true (as root) to raise the limit"
                        : (request.textOnly() ? "mlock" : "mlockall") + " would fail with ENOMEM in " + plan.describe()
                                + ": it needs " + plan.neededLimit() / 1024 + " kB of RLIMIT_MEMLOCK ("
                                + (request.textOnly() ? "locked now plus its code" : "its whole mapped size, VmSize")
                                + ") but the limit is " + MemoryState.limitText(state.softLimit)
                                + " and it has no CAP_IPC_LOCK; set raise_limit: true to raise it with prlimit");
            }
            plan.raiseTo = plan.raisedLimits();
        }
        if (request.future() && plan.needsChange()) {
            task.warn("future: " + plan.describe() + " will lock every mapping it creates from now on; "
                    + (state.canLockWithoutLimit
                            ? "it has CAP_IPC_LOCK, so no limit stops it, and everything it allocates stays in RAM"
                            : "its allocations fail (ENOMEM, EAGAIN) once its locked memory would pass RLIMIT_MEMLOCK ("
                                    + MemoryState.limitText(plan.raiseTo != null ? plan.raiseTo.soft() : state.softLimit)
                                    + ")"));
        }
        return plan;
    }

    private void apply(ProcessPlan plan, MemoryLocker locker, Task task) throws IOException, InjectionException {
        String raise = plan.raiseTo == null ? null : "RLIMIT_MEMLOCK of " + plan.describe() + " from "
                + MemoryState.limitText(plan.before.softLimit) + " to " + MemoryState.limitText(plan.raiseTo.soft())
                + (plan.raiseTo.hard() == plan.before.hardLimit ? "" : " (hard limit from "
                        + MemoryState.limitText(plan.before.hardLimit) + " to " + MemoryState.limitText(plan.raiseTo.hard())
                        + ")") + " with prlimit, from outside the process: it has no "
                + "CAP_IPC_LOCK";
        if (task.checkMode()) {
            plan.changed = true;
            plan.futureApplied = plan.request.future();
            task.changed();
            if (raise != null) {
                plan.limitRaised = true;
                task.warn("would raise " + raise);
            }
        } else {
            if (raise != null) {
                locker.raiseLimit(plan);
                plan.limitRaised = true;
                plan.changed = true;
                task.changed();
                task.warn("raised " + raise);
            }
            try {
                locker.apply(plan);
            } finally {
                readBack(plan);
                if (plan.after != null && plan.after.lockedKb != plan.before.lockedKb
                        || plan.after != null && lockedInScope(plan.after, plan) != lockedInScope(plan.before, plan)) {
                    plan.changed = true;
                    task.changed();
                }
            }
            plan.changed = true; // the calls succeeded: the kernel changed the lock state
            plan.futureApplied = plan.request.future();
            task.changed();
            verify(plan, task);
        }
        ObjectNode json = plan.toJson(task.checkMode());
        task.addDiff(plan.describe() + " memory " + plan.request.scopeName(),
                ProcessPlan.diffText((ObjectNode) json.get("before")), ProcessPlan.diffText((ObjectNode) json.get("after")));
    }

    private static long lockedInScope(MemoryState state, ProcessPlan plan) {
        return state.inScope(plan.request.scope()).stream().filter(MappingUsage::locked).count();
    }

    private void readBack(ProcessPlan plan) {
        try {
            plan.after = MemoryState.read(proc, plan.process.pid());
        } catch (IOException e) {
            plan.after = null; // it exited: the failure being thrown says so
        }
    }

    /** The kernel's view afterwards: mappings in scope still not as asked are worth a warning. */
    private static void verify(ProcessPlan plan, Task task) {
        if (plan.after == null) {
            return;
        }
        long wrong = plan.after.inScope(plan.request.scope()).stream()
                .filter(mapping -> mapping.asRequested(plan.request.lock(), plan.request.onFault()) == VmFlags.Answer.NO)
                .count(); // UNKNOWN: smaps cannot show which way; the call that set it succeeded
        if (wrong > 0) {
            task.warn(plan.describe() + ": " + wrong + " mapping(s) in scope " + plan.request.scopeName() + " are "
                    + (plan.request.lock() ? "not locked" + (plan.request.onFault() ? " on fault" : " with every page in RAM")
                            : "still locked") + " afterwards"
                    + (plan.request.lock() && !plan.request.future()
                            ? " (mapped after the lock; future: true locks new mappings too)" : ""));
        }
    }

    private static String summary(List<ProcessPlan> plans, MemoryLockRequest request, Task task) {
        long changed = plans.stream().filter(plan -> plan.changed).count();
        String scope = plans.size() + " process(es) (scope " + request.scopeName() + ")";
        if (changed == 0) {
            return "all " + scope + " already " + request.stateName();
        }
        String verb = request.lock() ? "lock" : "unlock";
        return (task.checkMode() ? "would " + verb + " " : verb + "ed ") + changed + " of " + scope;
    }

    private static String alreadyChanged(List<ProcessPlan> plans, Task task) {
        long done = plans.stream().filter(plan -> plan.changed).count();
        if (task.checkMode() || done == 0) {
            return "; nothing was changed";
        }
        return "; " + done + " process(es) were already changed (listed in processes)";
    }
}
