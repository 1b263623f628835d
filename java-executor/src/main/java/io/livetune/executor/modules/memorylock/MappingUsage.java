package io.livetune.executor.modules.memorylock;

import io.livetune.executor.inject.Mapping;
import java.util.Set;

/** One entry of /proc/PID/smaps: the mapping, its sizes and its VmFlags. */
final class MappingUsage {
    /**
     * VmFlags of mappings that mlock/mlockall leave alone (mm/mlock.c, mlock_fixup: VM_SPECIAL =
     * io, pf, de, mm; hugetlb ht; also the [vsyscall] gate page).
     */
    private static final Set<String> NEVER_LOCKED = Set.of("io", "pf", "de", "mm", "ht");

    final Mapping mapping;
    final long sizeKb;
    final long rssKb;
    final long lockedKb;
    final Set<String> flags;

    MappingUsage(Mapping mapping, long sizeKb, long rssKb, long lockedKb, Set<String> flags) {
        this.mapping = mapping;
        this.sizeKb = sizeKb;
        this.rssKb = rssKb;
        this.lockedKb = lockedKb;
        this.flags = flags;
    }

    /** VM_LOCKED, set by mlock/mlockall (also with the on-fault variants). */
    boolean locked() {
        return flags.contains("lo");
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
