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
        assertEquals(16, text.sizeKb);
        assertEquals(16, text.lockedKb);
        assertTrue(text.locked() && text.executable() && text.lockable());
        MappingUsage heap = entries.get(1);
        assertEquals(12, heap.sizeKb);
        assertEquals(4, heap.rssKb);
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
        io.livetune.executor.nativeio.Rlimit limit = MemoryState.memlockLimit(limits, 1);
        assertEquals(8388608L, limit.soft());
        assertEquals(io.livetune.executor.nativeio.Rlimit.INFINITY, limit.hard());
    }

    /** One locked entry of each kind: a writable private mapping (ac, sd) and program text (sd only). */
    private static List<MappingUsage> lockedEntries(String dataFlags, String textFlags) {
        return MemoryState.parseSmaps(String.join("\n",
                "7f3a1c000000-7f3a1c040000 rw-p 00000000 00:00 0 ",
                "Size:                256 kB",
                "Rss:                   8 kB",
                "Locked:                8 kB",
                "VmFlags: " + dataFlags,
                "55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 1 /usr/bin/python3.11",
                "Size:                 16 kB",
                "Rss:                  16 kB",
                "Locked:               16 kB",
                "VmFlags: " + textFlags,
                ""));
    }

    @Test
    void lockedOnFaultIsLfFromLinux62() {
        // 6.2 and later name VM_LOCKONFAULT "lf", in bit order between de (18) and ac (20).
        List<MappingUsage> onFault = lockedEntries("rd wr mr mw me lo lf ac sd ", "rd ex mr mw me lo lf sd ");
        onFault.forEach(m -> assertEquals(VmFlags.Answer.YES, m.lockedOnFault(), m.flags.toString()));
        List<MappingUsage> resident = lockedEntries("rd wr mr mw me lo ac sd ", "rd ex mr mw me lo sd ");
        resident.forEach(m -> assertEquals(VmFlags.Answer.NO, m.lockedOnFault(), m.flags.toString()));
    }

    @Test
    void onLinux61TheUnnamedBitBeforeTheNamesOfBits20To31IsLockOnFault() {
        // Before 6.2 (Debian 12's 6.1 among them) the kernel prints "??" for bit 19, in its place.
        List<MappingUsage> onFault = lockedEntries("rd wr mr mw me lo ?? ac sd ", "rd ex mr mw me lo ?? sd ");
        onFault.forEach(m -> assertEquals(VmFlags.Answer.YES, m.lockedOnFault(), m.flags.toString()));
        onFault.forEach(m -> assertEquals(VmFlags.Answer.NO, m.asRequested(true, false), "not every page in RAM"));
        onFault.forEach(m -> assertEquals(VmFlags.Answer.YES, m.asRequested(true, true)));
        List<MappingUsage> dontcopy = lockedEntries("rd wr mr mw me lo dc ?? ac ", "rd ex mr mw me lo dc ?? dd ");
        dontcopy.forEach(m -> assertEquals(VmFlags.Answer.YES, m.lockedOnFault(), "bits 14-18 are named"));
    }

    @Test
    void anUnnamedBitThatMayBeAnotherIsNotTakenForEitherAnswer() {
        // No name of bits 20-31 after it (no soft-dirty, as on arm64): bit 19 or a high bit without a name.
        List<MappingUsage> unsure = lockedEntries("rd wr mr mw me lo ??", "rd ex mr mw me lo ?? ??");
        unsure.forEach(m -> assertEquals(VmFlags.Answer.UNKNOWN, m.lockedOnFault(), m.flags.toString()));
        unsure.forEach(m -> assertEquals(VmFlags.Answer.UNKNOWN, m.asRequested(true, false)));
        unsure.forEach(m -> assertEquals(VmFlags.Answer.UNKNOWN, m.asRequested(true, true)));
        unsure.forEach(m -> assertEquals(VmFlags.Answer.NO, m.asRequested(false, false), "locked, asked unlocked"));
        // After a name of bits 20-31 an unnamed bit is above 19; an unlocked mapping has no VM_LOCKONFAULT.
        List<MappingUsage> other = lockedEntries("rd wr mr mw me lo ac ??", "rd ex mr mw me ??");
        other.forEach(m -> assertEquals(VmFlags.Answer.NO, m.lockedOnFault(), m.flags.toString()));
    }

    @Test
    void aPlanLocksAgainWhatItCannotSeeAndNotWhatIsAsAsked() {
        List<MappingUsage> entries = lockedEntries("rd wr mr mw me lo ?? ac sd", "rd ex mr mw me lo ??");
        assertEquals(List.of(entries.get(1)), entries.stream()
                .filter(m -> m.asRequested(true, true) != VmFlags.Answer.YES).collect(java.util.stream.Collectors.toList()));
    }
}
