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
        io.livetune.executor.nativeio.Rlimit limit = MemoryState.memlockLimit(limits, 1);
        assertEquals(8388608L, limit.soft());
        assertEquals(io.livetune.executor.nativeio.Rlimit.INFINITY, limit.hard());
    }

    /** A real smaps from src/test/resources/smaps (see each file's head for the kernel and the call). */
    static String realSmaps(String name) {
        try (java.io.InputStream in = SmapsTest.class.getResourceAsStream("/smaps/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new AssertionError("test resource /smaps/" + name, e);
        }
    }

    /** What each lockable entry (program text, shared anonymous, stack) says about VM_LOCKONFAULT. */
    private static List<VmFlags.Answer> onFaultShown(String smaps) {
        List<MappingUsage> lockable = MemoryState.parseSmaps(smaps).stream().filter(MappingUsage::lockable)
                .collect(java.util.stream.Collectors.toList());
        assertEquals(3, lockable.size(), "text, shared, stack; the vDSO is not lockable");
        assertTrue(lockable.stream().allMatch(MappingUsage::locked));
        return lockable.stream().map(MappingUsage::lockedOnFault).collect(java.util.stream.Collectors.toList());
    }

    private static final List<VmFlags.Answer> ALL_YES = List.of(VmFlags.Answer.YES, VmFlags.Answer.YES, VmFlags.Answer.YES);
    private static final List<VmFlags.Answer> ALL_NO = List.of(VmFlags.Answer.NO, VmFlags.Answer.NO, VmFlags.Answer.NO);

    @Test
    void onLinux62AndLaterLockOnFaultIsLf() {
        assertEquals(ALL_YES, onFaultShown(realSmaps("linux-6.18-mlockall-onfault.txt")));
        assertEquals(ALL_NO, onFaultShown(realSmaps("linux-6.18-mlockall.txt")));
    }

    @Test
    void onLinux61LockOnFaultIsTheUnnamedBitInBit19sPlace() {
        // "lo ?? sd" (text, shared) and "gd lo ?? ac" (stack): between lo (13) and sd (27) or ac (20).
        assertEquals(ALL_YES, onFaultShown(realSmaps("linux-6.1-mlockall-onfault.txt")));
        assertEquals(ALL_NO, onFaultShown(realSmaps("linux-6.1-mlockall.txt")));
        MappingUsage text = MemoryState.parseSmaps(realSmaps("linux-6.1-mlockall-onfault.txt")).get(0);
        assertEquals(VmFlags.Answer.NO, text.asRequested(true, false), "locked on fault: not every page in RAM");
        assertEquals(VmFlags.Answer.YES, text.asRequested(true, true));
        assertEquals(VmFlags.Answer.NO, text.asRequested(false, false));
    }

    @Test
    void anUnnamedBitThatMayBeAnotherIsNotTakenForEitherAnswer() {
        // A kernel before 6.2 without soft-dirty (6.18 above has none; arm64 never has it) prints a
        // locked-on-fault text as "lo ??" with nothing of bits 20-31 after: bit 19, or an unnamed high bit.
        String noSoftDirty = realSmaps("linux-6.1-mlockall-onfault.txt").replace(" sd \n", " \n");
        List<MappingUsage> entries = MemoryState.parseSmaps(noSoftDirty);
        MappingUsage text = entries.get(0);
        assertEquals("rd ex mr mw me lo ??", text.flags().toString());
        assertEquals(VmFlags.Answer.UNKNOWN, text.lockedOnFault());
        assertEquals(VmFlags.Answer.UNKNOWN, text.asRequested(true, false));
        assertEquals(VmFlags.Answer.UNKNOWN, text.asRequested(true, true));
        assertEquals(VmFlags.Answer.NO, text.asRequested(false, false), "locked, asked unlocked");
        assertEquals(VmFlags.Answer.YES, entries.get(2).lockedOnFault(), "the stack still has ac after it");
    }

    @Test
    void anUnnamedBitAfterTheNamesOfBits20To31OrWithoutLoIsNotLockOnFault() {
        assertEquals(VmFlags.Answer.NO, VmFlags.parse("rd wr mr mw me lo ac ??").lockedOnFault());
        assertEquals(VmFlags.Answer.NO, VmFlags.parse("rd ex mr mw me ??").lockedOnFault());
        assertEquals(VmFlags.Answer.UNKNOWN, VmFlags.parse("rd wr mr mw me lo ?? ?? ac").lockedOnFault(),
                "two unnamed bits below 20: no kernel prints that; not guessed");
    }
}
