package io.livetune.executor.modules.memorylock;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.nativeio.Rlimit;
import io.livetune.executor.procfs.ProcessInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * For one process: what differs from the requested state (from {@link MemoryState} alone),
 * what the kernel will report afterwards, and whether RLIMIT_MEMLOCK must be raised first.
 */
final class ProcessPlan {
    private static final long MIB = 1024 * 1024;

    final ProcessInfo process;
    final MemoryState before;
    final MemoryLockRequest request;
    /** The in-scope mappings whose lock state must change (locked or not, on fault or not). */
    final List<MappingUsage> toChange = new ArrayList<>();
    /**
     * Those of {@link #toChange} that are locked, but whether on fault the kernel's smaps does not
     * show for certain ({@link VmFlags}): locked again as asked rather than assumed to be as asked.
     */
    final List<MappingUsage> onFaultUnknown = new ArrayList<>();
    /** Predicted VmLck afterwards (what check mode reports). */
    final long predictedLockedKb;
    /** The size of the in-scope mappings that go from unlocked to locked or back, in kB. */
    private final long changingKb;
    /**
     * Whether MCL_FUTURE was in force before, when that was asked of the kernel (future: true
     * with every mapping locked already: see {@link FutureLockProbe}); null when not asked.
     */
    Boolean futureBefore;
    /** Whether mlockall with MCL_FUTURE succeeded (or, in check mode, would run). */
    boolean futureApplied;
    /** New soft and hard limits, or null when the limit is left as it is. */
    Rlimit raiseTo;
    /** Whether the limit was raised (or, in check mode, would be). */
    boolean limitRaised;
    MemoryState after;
    boolean changed;

    ProcessPlan(ProcessInfo process, MemoryState before, MemoryLockRequest request) {
        this.process = process;
        this.before = before;
        this.request = request;
        List<MappingUsage> inScope = before.inScope(request.scope());
        long flipping = 0;
        for (MappingUsage mapping : inScope) {
            VmFlags.Answer asRequested = mapping.asRequested(request.lock(), request.onFault());
            if (asRequested == VmFlags.Answer.UNKNOWN) {
                onFaultUnknown.add(mapping);
            }
            if (asRequested != VmFlags.Answer.YES) {
                toChange.add(mapping);
                if (mapping.locked() != request.lock()) {
                    flipping += mapping.sizeKb(); // locked on fault or not, VmLck counts it already
                }
            }
        }
        changingKb = flipping;
        // VmLck is the kernel's locked_vm: the full size of every VM_LOCKED mapping, resident or not.
        if (request.lock()) {
            predictedLockedKb = request.textOnly() ? before.lockedKb + changingKb
                    : before.inScope(m -> true).stream().mapToLong(MappingUsage::sizeKb).sum();
        } else {
            predictedLockedKb = request.textOnly() ? Math.max(0, before.lockedKb - changingKb) : 0;
        }
    }

    boolean needsChange() {
        return !toChange.isEmpty() || Boolean.FALSE.equals(futureBefore);
    }

    /** Whether it takes the probe to know: future asked, and every mapping in scope locked already. */
    boolean futureUnknown() {
        return request.lock() && request.future() && toChange.isEmpty();
    }

    /** Bytes of RLIMIT_MEMLOCK the lock needs, when the limit applies (no CAP_IPC_LOCK); 0 otherwise. */
    long neededLimit() {
        if (!request.lock() || !needsChange() || before.canLockWithoutLimit) {
            return 0;
        }
        // mm/mlock.c: mlockall(MCL_CURRENT) needs the whole mapped size (total_vm, VmSize) under the limit,
        // also when it runs again only to add MCL_FUTURE; mlock needs what is locked already plus the new range.
        return (request.textOnly() ? before.lockedKb + changingKb : before.sizeKb) * 1024;
    }

    /** Whether the current soft limit is below what the lock needs. */
    boolean limitTooLow() {
        long needed = neededLimit();
        return needed > 0 && before.softLimit != Rlimit.INFINITY
                && Long.compareUnsigned(before.softLimit, needed) < 0;
    }

    /**
     * The limits to set: the need plus a quarter (the process keeps mapping memory between
     * our reading and the call), rounded up to a MiB; within the hard limit when that is
     * enough, since raising the hard limit needs CAP_SYS_RESOURCE.
     */
    Rlimit raisedLimits() {
        long needed = neededLimit();
        long soft = ((needed + needed / 4 + MIB - 1) / MIB) * MIB;
        long hard = before.hardLimit;
        if (hard != Rlimit.INFINITY && Long.compareUnsigned(soft, hard) > 0) {
            if (Long.compareUnsigned(needed, hard) <= 0) {
                soft = hard;
            } else {
                hard = soft;
            }
        }
        return new Rlimit(soft, hard);
    }

    String describe() {
        return "pid " + process.pid() + " (" + process.name() + ")";
    }

    ObjectNode toJson(boolean checkMode) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("pid", process.pid());
        json.put("name", process.name());
        json.put("changed", changed);
        json.put("state", request.stateName());
        json.put("scope", request.scopeName());
        ObjectNode beforeJson = before.toJson(request.scope());
        ObjectNode afterJson = after != null ? after.toJson(request.scope()) : predictedJson();
        if (request.future()) {
            // Known only where it was asked of the kernel or set by this task: null otherwise.
            putFuture(beforeJson, futureBefore);
            putFuture(afterJson, futureApplied ? Boolean.TRUE : futureBefore);
        }
        json.set("before", beforeJson);
        json.set("after", afterJson);
        json.put("limit_raised", limitRaised);
        return json;
    }

    /** Check mode's after: what the kernel will report (rss is not predicted: null). */
    private ObjectNode predictedJson() {
        ObjectNode json = before.toJson(request.scope());
        if (!changed) {
            return json;
        }
        int total = before.inScope(request.scope()).size();
        json.put("locked_kb", predictedLockedKb);
        json.putNull("rss_kb");
        json.put("mappings_locked", request.lock() ? total : 0);
        if (raiseTo != null) {
            ObjectNode limit = json.putObject("memlock_limit");
            MemoryState.putLimit(limit, "soft", raiseTo.soft());
            MemoryState.putLimit(limit, "hard", raiseTo.hard());
        }
        return json;
    }

    private static void putFuture(ObjectNode state, Boolean future) {
        if (future == null) {
            state.putNull("future");
        } else {
            state.put("future", future);
        }
    }

    /** The diff text of a state: locked kB, mappings locked out of those in scope, the limit (and future). */
    static String diffText(ObjectNode state) {
        ObjectNode limit = (ObjectNode) state.get("memlock_limit");
        return "locked_kb: " + state.get("locked_kb").asText() + "\n"
                + "mappings_locked: " + state.get("mappings_locked").asText() + "/" + state.get("mappings").asText()
                + "\n"
                + "memlock_limit: " + limit.get("soft").asText() + " (hard " + limit.get("hard").asText() + ")\n"
                + (state.has("future") && !state.get("future").isNull()
                        ? "future: " + state.get("future").asBoolean() + "\n" : "");
    }
}
