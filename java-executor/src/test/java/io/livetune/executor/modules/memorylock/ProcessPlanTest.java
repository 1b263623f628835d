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
 * cmdline, with the smaps of a python3 that mlockall(MCL_CURRENT | MCL_ONFAULT) locked, as Debian
 * 12's kernel 6.1 printed it (src/test/resources/smaps).
 */
class ProcessPlanTest {
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

    private static final String SMAPS_6_1_ON_FAULT = SmapsTest.realSmaps("linux-6.1-mlockall-onfault.txt");

    @Test
    void aFullLockOfAProcessLockedOnFaultIsAChange() throws IOException {
        ProcessPlan full = plan(SMAPS_6_1_ON_FAULT, Map.of("pid", 1));
        assertEquals(3, full.toChange.size(), "text, shared and stack are locked on fault, not with every page in RAM");
        assertTrue(full.onFaultUnknown.isEmpty());
        ProcessPlan onFault = plan(SMAPS_6_1_ON_FAULT, Map.of("pid", 1, "onfault", true));
        assertTrue(onFault.toChange.isEmpty() && !onFault.needsChange(), "locked on fault already");
    }

    @Test
    void whatSmapsCannotShowIsLockedAgainNotAssumed() throws IOException {
        // Without soft-dirty (arm64) nothing of bits 20-31 follows the text's "??": bit 19, or a high bit.
        String unsure = SMAPS_6_1_ON_FAULT.replace("rd ex mr mw me lo ?? sd ", "rd ex mr mw me lo ??");
        for (boolean onFault : new boolean[] {false, true}) {
            ProcessPlan plan = plan(unsure, Map.of("pid", 1, "onfault", onFault));
            assertEquals(1, plan.onFaultUnknown.size(), "onfault " + onFault);
            assertEquals("/usr/bin/python3.11", plan.onFaultUnknown.get(0).mapping().path());
            assertTrue(plan.toChange.containsAll(plan.onFaultUnknown) && plan.needsChange(), "onfault " + onFault);
        }
    }
}
