package io.livetune.executor.procfs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The super options of a proc mount as mountinfo shows them: kernels from 5.8 name the hidepid
 * level, older ones print its number (HidepidTest mounts real procs, on this kernel only).
 */
class ProcMountTest {
    @Test
    void olderKernelsNumbersMeanTheSameLevels() {
        ProcMount invisible = ProcMount.parse("rw,hidepid=2");
        assertTrue(invisible.hidesProcesses());
        assertTrue(invisible.leavesOutProcesses());
        assertEquals("hidepid=2", invisible.hidePidOption());

        ProcMount noaccess = ProcMount.parse("rw,hidepid=1");
        assertTrue(noaccess.hidesProcesses());
        assertFalse(noaccess.leavesOutProcesses());
    }

    @Test
    void offAndUnknownLevelsHideNothing() {
        assertFalse(ProcMount.parse("rw").hidesProcesses());
        assertFalse(ProcMount.parse("rw,hidepid=0").hidesProcesses());
        assertFalse(ProcMount.parse("rw,hidepid=off").hidesProcesses());
    }

    @Test
    void theGidGroupIsOfferedAsAWayOut() {
        assertEquals("run the task as root (become: true) or as a member of group 27 (the gid= option of that mount)",
                ProcMount.parse("rw,gid=27,hidepid=ptraceable").remedy());
        assertTrue(ProcMount.parse("rw,gid=27,hidepid=ptraceable").leavesOutProcesses());
    }
}
