package io.livetune.executor.modules.memorylock;

import io.livetune.executor.inject.InjectionException;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.RemoteCalls;
import io.livetune.executor.inject.RemoteErrno;
import io.livetune.executor.inject.Syscall;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.Mman;
import io.livetune.executor.nativeio.ResourceLimits;
import java.io.IOException;

/**
 * Changes one process's locking from inside it: mlockall/munlockall, or mlock/munlock of each
 * executable mapping, all in ONE stop of one thread (the others keep running).
 */
final class MemoryLocker {

    private final Injector injector;
    private final ResourceLimits limits;

    MemoryLocker(Injector injector, ResourceLimits limits) {
        this.injector = injector;
        this.limits = limits;
    }

    /** Raises RLIMIT_MEMLOCK from outside with prlimit (the process itself is not touched). */
    void raiseLimit(ProcessPlan plan) {
        try {
            limits.set(plan.process.pid(), ResourceLimits.RLIMIT_MEMLOCK, plan.raiseTo);
        } catch (ErrnoException e) {
            throw new TaskFailure("cannot raise RLIMIT_MEMLOCK of " + plan.describe() + " to "
                    + MemoryState.limitText(plan.raiseTo.soft()) + " (hard limit " + MemoryState.limitText(plan.before.hardLimit)
                    + "): " + e.getMessage() + (plan.raiseTo.hard() != plan.before.hardLimit
                            ? "; raising the hard limit needs root with CAP_SYS_RESOURCE" : ""), e);
        }
    }

    /** Runs the calls; throws {@link TaskFailure} with the kernel's reason when one fails. */
    void apply(ProcessPlan plan) throws IOException, InjectionException {
        String failure = injector.inject(plan.process.pid(), calls -> plan.request.textOnly()
                ? eachMapping(plan, calls) : whole(plan, calls));
        if (failure != null) {
            throw new TaskFailure(failure);
        }
    }

    private String whole(ProcessPlan plan, RemoteCalls calls) throws InjectionException {
        if (!plan.request.lock()) {
            long result = calls.call(Syscall.MUNLOCKALL);
            return RemoteErrno.failed(result) ? "munlockall in " + plan.describe() + " failed: "
                    + reason(RemoteErrno.errno(result)) : null;
        }
        long flags = Mman.MCL_CURRENT | (plan.request.future() ? Mman.MCL_FUTURE : 0)
                | (plan.request.onFault() ? Mman.MCL_ONFAULT : 0);
        long result = calls.call(Syscall.MLOCKALL, flags);
        return RemoteErrno.failed(result) ? lockFailure("mlockall", plan, RemoteErrno.errno(result)) : null;
    }

    private String eachMapping(ProcessPlan plan, RemoteCalls calls) throws InjectionException {
        int done = 0;
        for (MappingUsage mapping : plan.toChange) {
            long start = mapping.mapping().start();
            long length = mapping.mapping().size();
            long result;
            String call;
            if (!plan.request.lock()) {
                call = "munlock";
                result = calls.call(Syscall.MUNLOCK, start, length);
            } else if (plan.request.onFault()) {
                call = "mlock2(MLOCK_ONFAULT)";
                result = calls.call(Syscall.MLOCK2, start, length, Mman.MLOCK_ONFAULT);
            } else {
                call = "mlock";
                result = calls.call(Syscall.MLOCK, start, length);
            }
            if (RemoteErrno.failed(result)) {
                String what = call + " of " + mapping.mapping().describe();
                return (plan.request.lock() ? lockFailure(what, plan, RemoteErrno.errno(result))
                        : what + " in " + plan.describe() + " failed: " + reason(RemoteErrno.errno(result)))
                        + (done > 0 ? "; " + done + " mapping(s) before it were already changed" : "");
            }
            done++;
        }
        return null;
    }

    /** The message for a failed mlock/mlockall: what the kernel's errno means here, with the sizes. */
    static String lockFailure(String call, ProcessPlan plan, int errno) {
        MemoryState state = plan.before;
        String limit = "RLIMIT_MEMLOCK " + MemoryState.limitText(plan.raiseTo != null ? plan.raiseTo.soft() : state.softLimit);
        switch (errno) {
            case RemoteErrno.ENOMEM:
                if (state.canLockWithoutLimit) {
                    return call + " in " + plan.describe() + " failed with ENOMEM: not enough memory to lock (VmSize "
                            + state.sizeKb + " kB), or a range is no longer mapped";
                }
                return call + " in " + plan.describe() + " failed with ENOMEM: it would lock "
                        + (plan.request.textOnly() ? plan.neededLimit() / 1024 + " kB" : "its whole mapped size (VmSize "
                                + state.sizeKb + " kB)") + ", above its " + limit + ", and it has no CAP_IPC_LOCK"
                        + (plan.request.raiseLimit() ? "" : "; set raise_limit: true to raise the limit with prlimit");
            case RemoteErrno.EPERM:
                return "not permitted: " + call + " in " + plan.describe() + " failed with EPERM: it has no CAP_IPC_LOCK "
                        + "and its " + limit + (plan.request.raiseLimit() ? " could not be raised"
                                : "; set raise_limit: true (as root) to raise the limit");
            case RemoteErrno.EAGAIN:
                return call + " in " + plan.describe() + " failed with EAGAIN: some of its memory could not be locked "
                        + "(VmSize " + state.sizeKb + " kB)";
            default:
                return call + " in " + plan.describe() + " failed: " + reason(errno);
        }
    }

    private static String reason(int errno) {
        try {
            RemoteErrno.check("", -errno);
            return "errno " + errno;
        } catch (ErrnoException e) {
            return e.getMessage().substring(2);
        }
    }
}
