package io.livetune.executor.modules.memorylock;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /proc/PID/smaps and status as the memory_lock module reads them. */
class SmapsTest {
    private static final String SMAPS = String.join("\n",
            "55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 1 /usr/bin/sleep",
            "Size:                 16 kB",
            "Rss:                  16 kB",
            "Locked:               16 kB",
            "VmFlags: rd ex mr mw me lo",
            "7f0000200000-7f0000203000 rw-p 00000000 00:00 0 ",
            "Size:                 12 kB",
            "Rss:                   4 kB",
            "Locked:                0 kB",
            "VmFlags: rd wr mr mw me ac",
            "7ffd00000000-7ffd00004000 r--p 00000000 00:00 0                          [vvar]",
            "Size:                 16 kB",
            "Rss:                   0 kB",
            "VmFlags: rd mr pf io de dd",
            "7ffd00004000-7ffd00006000 r-xp 00000000 00:00 0                          [vdso]",
            "Size:                  8 kB",
            "VmFlags: rd ex mr mw me de",
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
            "Size:                  4 kB",
            "VmFlags: ex",
            "");

    @Test
    void entriesWithSizesAndFlags() {
        List<MappingUsage> entries = MemoryState.parseSmaps(SMAPS);
        assertEquals(5, entries.size());
        MappingUsage text = entries.get(0);
        assertEquals(16, text.sizeKb());
        assertEquals(16, text.lockedKb());
        assertTrue(text.locked() && text.executable() && text.lockable());
        MappingUsage heap = entries.get(1);
        assertEquals(12, heap.sizeKb());
        assertEquals(4, heap.rssKb());
        assertFalse(heap.locked() || heap.executable());
        assertFalse(entries.get(2).lockable(), "vvar: VM_PFNMAP|VM_IO");
        assertFalse(entries.get(3).lockable(), "vdso: VM_DONTEXPAND");
        assertFalse(entries.get(4).lockable(), "[vsyscall]");
    }

    @Test
    void statusFields() {
        String status = "Name:\tsleep\nVmSize:\t    2920 kB\nVmLck:\t      16 kB\nVmRSS:\t    1736 kB\n"
                + "CapEff:\t000001fffeffbfff\n";
        io.livetune.executor.procfs.ProcStatus parsed = io.livetune.executor.procfs.ProcStatus.parse(status);
        assertEquals(2920, parsed.kb("VmSize"));
        assertEquals(16, parsed.kb("VmLck"));
        assertEquals(0, parsed.kb("VmSwap"));
        assertFalse(parsed.hasCapability(14), "CAP_IPC_LOCK dropped");
        assertTrue(parsed.hasCapability(21));
    }

    @Test
    void theMemlockLimitIsReadFromProcLimitsWhichNeedsNoPrivilege() throws java.io.IOException {
        String limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             95584                95584                processes \n"
                + "Max locked memory         8388608              unlimited            bytes     \n";
        long[] limit = MemoryState.memlockLimit(limits, 1);
        org.junit.jupiter.api.Assertions.assertEquals(8388608L, limit[0]);
        org.junit.jupiter.api.Assertions.assertEquals(io.livetune.executor.nativeio.Rlimit.INFINITY, limit[1]);
    }
}
