package io.livetune.executor.inject;

import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.procfs.ProcFs;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing /proc/PID/maps, and finding a syscall instruction in a real process (checked through /proc/PID/mem). */
class SyscallSiteTest {
    private static final String MAPS = String.join("\n",
            "55d0c0a00000-55d0c0a02000 r--p 00000000 fe:01 1 /usr/bin/sleep",
            "55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 1 /usr/bin/sleep",
            "7f0000000000-7f0000026000 r--p 00000000 fe:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f0000026000-7f000017b000 r-xp 00026000 fe:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f0000200000-7f0000201000 rw-p 00000000 00:00 0 ",
            "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]",
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");

    @Test
    void mapsLinesParse() {
        Mapping libc = Mapping.parse("7f0000026000-7f000017b000 r-xp 00026000 fe:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6");
        assertEquals(0x7f0000026000L, libc.start());
        assertEquals(0x7f000017b000L - 0x7f0000026000L, libc.size());
        assertTrue(libc.executable() && libc.readable());
        assertEquals("/usr/lib/x86_64-linux-gnu/libc.so.6", libc.path());
        assertEquals("", Mapping.parse("7f0000200000-7f0000201000 rw-p 00000000 00:00 0 ").path());
        assertEquals("/tmp/a file (deleted)", Mapping.parse("1000-2000 r-xp 0 fe:01 3 /tmp/a file (deleted)").path());
        assertEquals(0xffffffffff600000L, Mapping.parse(MAPS.split("\n")[6]).start(), "addresses above 2^63 parse");
        assertNull(Mapping.parse("Rss:                   4 kB"));
        assertNull(Mapping.parse("VmFlags: rd ex mr mw me"));
    }

    @Test
    void candidatesPreferVdsoThenLibcThenOtherTextAndSkipVsyscall() {
        List<Mapping> candidates = SyscallSite.candidates(MAPS);
        assertEquals(3, candidates.size(), candidates.toString());
        assertEquals("[vdso]", candidates.get(0).path());
        assertTrue(candidates.get(1).path().endsWith("libc.so.6"));
        assertEquals("/usr/bin/sleep", candidates.get(2).path());
    }

    @Test
    void instructionSearchHonoursAlignment() {
        byte[] code = {0x00, 0x01, 0x00, 0x00, (byte) 0xd4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, (byte) 0xd4};
        assertEquals(8, SyscallSite.indexOf(code, Aarch64Registers.INSTANCE.syscallInstruction(), 4));
        assertEquals(1, SyscallSite.indexOf(code, Aarch64Registers.INSTANCE.syscallInstruction(), 1));
        assertEquals(-1, SyscallSite.indexOf(new byte[] {0x0f}, X86_64Registers.INSTANCE.syscallInstruction(), 1));
    }

    @Test
    void findsARealSyscallInstructionInARunningProcess() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) sleep.pid();
            RegisterLayout layout = RegisterLayout.current();
            SyscallSite site = null;
            for (int attempt = 0; attempt < 100 && site == null; attempt++) {
                try {
                    site = SyscallSite.find(pid, layout, PtraceCalls.get(), new ProcFs());
                } catch (InjectionException e) {
                    TimeUnit.MILLISECONDS.sleep(10); // before exec, the forked JVM child may look different
                }
            }
            assertTrue(site != null && site.mapping().executable(), String.valueOf(site));
            byte[] bytes = new byte[layout.syscallInstruction().length];
            try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
                mem.seek(site.address());
                mem.readFully(bytes);
            }
            assertArrayEquals(layout.syscallInstruction(), bytes, "the bytes at " + site);
            assertTrue(site.stillThere(pid, layout, PtraceCalls.get()));
        } finally {
            sleep.destroyForcibly();
        }
    }
}
