package io.livetune.executor.modules.memorylock;

import io.livetune.executor.inject.InjectionException;
import io.livetune.executor.inject.Injector;
import io.livetune.executor.inject.RemoteErrno;
import io.livetune.executor.inject.Syscall;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.Mman;
import io.livetune.executor.procfs.ProcFs;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Whether MCL_FUTURE is in force in a process. The kernel shows no flag for it (it lives in
 * mm->def_flags), only its effect: a mapping made now is locked. So, in one stop of one
 * thread: map one inaccessible page (PROT_NONE, private, anonymous: no memory is used), read
 * that mapping's VmFlags in /proc/PID/smaps from outside, and unmap it again.
 */
final class FutureLockProbe {
    /** Rounded up by the kernel to its page size. */
    private static final long ONE_PAGE = 4096;

    private final Injector injector;
    private final ProcFs proc;

    FutureLockProbe(Injector injector, ProcFs proc) {
        this.injector = injector;
        this.proc = proc;
    }

    /** Whether a mapping the process makes now is locked; warns when the probe page could not be unmapped. */
    boolean inForce(ProcessPlan plan, Task task) throws IOException, InjectionException {
        int pid = plan.process.pid();
        Outcome outcome = injector.inject(pid, calls -> {
            long address = calls.call(Syscall.MMAP, 0, ONE_PAGE, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
            if (RemoteErrno.failed(address)) {
                return new Outcome(address, false);
            }
            try {
                return new Outcome(address, lockedAt(pid, address)); // read from outside while the page exists
            } finally {
                long unmapped = calls.call(Syscall.MUNMAP, address, ONE_PAGE);
                if (RemoteErrno.failed(unmapped)) {
                    task.warn("future: the one-page probe mapping at 0x" + Long.toHexString(address) + " of "
                            + plan.describe() + " could not be unmapped (errno " + RemoteErrno.errno(unmapped)
                            + "); it is inaccessible and uses no memory");
                }
            }
        });
        if (RemoteErrno.failed(outcome.mmapResult())) {
            throw new TaskFailure("future: cannot tell whether MCL_FUTURE is in force in " + plan.describe()
                    + ": mapping one probe page in it failed (errno " + RemoteErrno.errno(outcome.mmapResult()) + ")");
        }
        return outcome.locked();
    }

    /** What the probe saw: mmap's raw result (an address, or -errno), and whether that page was locked. */
    private record Outcome(long mmapResult, boolean locked) {
    }

    private boolean lockedAt(int pid, long address) {
        try {
            for (MappingUsage mapping : MemoryState.parseSmaps(proc.read(pid, "smaps"))) {
                // Find the mapping that holds the page: the kernel may have merged it with a neighbour
                // whose flags are the same, which then tell the same thing.
                if (mapping.mapping().start() <= address && address < mapping.mapping().end()) {
                    return mapping.locked();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the probe page at 0x" + Long.toHexString(address) + " is not in /proc/"
                + pid + "/smaps");
    }
}
