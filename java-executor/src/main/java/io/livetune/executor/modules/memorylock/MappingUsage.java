package io.livetune.executor.modules.memorylock;

import io.livetune.executor.inject.Mapping;
import io.livetune.executor.modules.memorylock.VmFlags.Answer;
import java.util.Set;

/**
 * One entry of /proc/PID/smaps: the mapping, its sizes and its VmFlags.
 *
 * @param mapping the entry's header line
 * @param sizeKb its "Size:"
 * @param rssKb its "Rss:"
 * @param lockedKb its "Locked:"
 * @param flags its "VmFlags:" ("lo", "ex"...), read as {@link VmFlags}
 */
record MappingUsage(Mapping mapping, long sizeKb, long rssKb, long lockedKb, VmFlags flags) {
    /**
     * VmFlags of mappings that mlock/mlockall leave alone (mm/mlock.c, mlock_fixup: VM_SPECIAL =
     * io, pf, de, mm; hugetlb ht; also the [vsyscall] gate page).
     */
    private static final Set<String> NEVER_LOCKED = Set.of("io", "pf", "de", "mm", "ht");

    /** VM_LOCKED, set by mlock/mlockall (also with the on-fault variants). */
    boolean locked() {
        return flags.locked();
    }

    /** VM_LOCKONFAULT: locked, with its pages brought into RAM only as they are touched. */
    Answer lockedOnFault() {
        return flags.lockedOnFault();
    }

    /**
     * Whether the mapping is as asked: unlocked, or locked the way asked. A mapping locked on
     * fault may have pages that were never read in, so it is not what a plain lock promises;
     * and one locked with every page in RAM is not locked on fault. UNKNOWN when it is locked
     * and the kernel's smaps does not show for certain which way ({@link VmFlags}).
     */
    Answer asRequested(boolean lock, boolean onFault) {
        if (!lock) {
            return locked() ? Answer.NO : Answer.YES;
        }
        if (!locked()) {
            return Answer.NO;
        }
        Answer shown = lockedOnFault();
        if (shown == Answer.UNKNOWN) {
            return Answer.UNKNOWN;
        }
        return (shown == Answer.YES) == onFault ? Answer.YES : Answer.NO;
    }

    /** Whether mlock can lock it at all. */
    boolean lockable() {
        return !mapping.path().equals("[vsyscall]") && NEVER_LOCKED.stream().noneMatch(flags::has);
    }

    /** In scope text: executable code (the program's and its libraries' text, JIT code caches). */
    boolean executable() {
        return mapping.executable();
    }
}
