package io.livetune.executor.modules.memorylock;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan of memory_lock from a process's /proc files: this JVM's own status, limits, stat and
 * cmdline, with the smaps of a process that mlockall(MCL_CURRENT | MCL_ONFAULT) locked, as
 * kernels before 6.2 print it.
 */
class ProcessPlanTest {
    /** A writable private mapping and program text, both locked on fault, bit 19 shown as "??". */
    private static final String SMAPS_BEFORE_6_2 = String.join("\n",
            "7f3a1c000000-7f3a1c040000 rw-p 00000000 00:00 0 ",
            "Size:                256 kB",
            "Rss:                   8 kB",
            "Locked:                8 kB",
            "VmFlags: rd wr mr mw me lo ?? ac sd ",
            "55d0c0a02000-55d0c0a06000 r-xp 00002000 fe:01 1 /usr/bin/python3.11",
            "Size:                 16 kB",
            "Rss:                  16 kB",
            "Locked:               16 kB",
            "VmFlags: rd ex mr mw me lo ?? sd ",
            "");

    @TempDir
    Path root;

    private ProcessPlan plan(String smaps, Map<String, Object> args) throws IOException {
        int pid = (int) ProcessHandle.current().pid();
        Path dir = Files.createDirectories(root.resolve(Integer.toString(pid)));
        for (String file : List.of("status", "limits", "stat", "cmdline")) {
            Files.write(dir.resolve(file), Files.readAllBytes(Path.of("/proc/self", file)));
        }
        Files.writeString(dir.resolve("smaps"), smaps);
        ProcFs proc = new ProcFs(root);
        MemoryLockRequest request = MemoryLockRequest.parse(new ObjectMapper().valueToTree(args));
        return new ProcessPlan(ProcessInfo.read(proc, pid), MemoryState.read(proc, pid), request);
    }

    @Test
    void aFullLockOfAProcessLockedOnFaultIsAChange() throws IOException {
        ProcessPlan full = plan(SMAPS_BEFORE_6_2, Map.of("pid", 1));
        assertEquals(2, full.toChange.size(), "both mappings are locked on fault, not with every page in RAM");
        assertTrue(full.onFaultUnknown.isEmpty());
        ProcessPlan onFault = plan(SMAPS_BEFORE_6_2, Map.of("pid", 1, "onfault", true));
        assertTrue(onFault.toChange.isEmpty() && !onFault.needsChange(), "locked on fault already");
    }

    @Test
    void whatSmapsCannotShowIsLockedAgainNotAssumed() throws IOException {
        // Without soft-dirty (arm64) nothing of bits 20-31 follows the text's "??": bit 19, or a high bit.
        String unsure = SMAPS_BEFORE_6_2.replace("lo ?? sd ", "lo ??");
        for (boolean onFault : new boolean[] {false, true}) {
            ProcessPlan plan = plan(unsure, Map.of("pid", 1, "onfault", onFault));
            assertEquals(1, plan.onFaultUnknown.size(), "onfault " + onFault);
            assertEquals("/usr/bin/python3.11", plan.onFaultUnknown.get(0).mapping.path());
            assertTrue(plan.toChange.containsAll(plan.onFaultUnknown) && plan.needsChange(), "onfault " + onFault);
        }
    }
}
