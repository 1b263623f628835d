package io.livetune.executor.modules.memorylock;

import io.livetune.executor.inject.Mapping;
import java.util.Set;

/**
 * One entry of /proc/PID/smaps: the mapping, its sizes and its VmFlags.
 *
 * @param mapping the entry's header line
 * @param sizeKb its "Size:"
 * @param rssKb its "Rss:"
 * @param lockedKb its "Locked:"
 * @param flags its "VmFlags:" ("lo", "ex"...)
 */
record MappingUsage(Mapping mapping, long sizeKb, long rssKb, long lockedKb, Set<String> flags) {
    /**
     * VmFlags of mappings that mlock/mlockall leave alone (mm/mlock.c, mlock_fixup: VM_SPECIAL =
     * io, pf, de, mm; hugetlb ht; also the [vsyscall] gate page).
     */
    private static final Set<String> NEVER_LOCKED = Set.of("io", "pf", "de", "mm", "ht");

    /** VM_LOCKED, set by mlock/mlockall (also with the on-fault variants). */
    boolean locked() {
        return flags.contains("lo");
    }

    /** VM_LOCKONFAULT (smaps "lf"): locked, with its pages brought into RAM only as they are touched. */
    boolean lockedOnFault() {
        return flags.contains("lf");
    }

    /**
     * Whether the mapping is as asked: unlocked, or locked the way asked. A mapping locked on
     * fault may have pages that were never read in, so it is not what a plain lock promises;
     * and one locked with every page in RAM is not locked on fault.
     */
    boolean asRequested(boolean lock, boolean onFault) {
        return lock ? locked() && lockedOnFault() == onFault : !locked();
    }

    /** Whether mlock can lock it at all. */
    boolean lockable() {
        return !mapping.path().equals("[vsyscall]") && flags.stream().noneMatch(NEVER_LOCKED::contains);
    }

    /** In scope text: executable code (the program's and its libraries' text, JIT code caches). */
    boolean executable() {
        return mapping.executable();
    }
}
