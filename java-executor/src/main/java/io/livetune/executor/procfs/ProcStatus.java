package io.livetune.executor.procfs;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * /proc/PID/status (or a thread's /proc/PID/task/TID/status): "Name:\tvalue" lines, read
 * once into fields. The one parser of that file for every layer that needs a field of it.
 */
public final class ProcStatus {
    private final Map<String, String> fields;

    private ProcStatus(Map<String, String> fields) {
        this.fields = fields;
    }

    public static ProcStatus parse(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new ProcStatus(fields);
    }

    /** The status of a process. */
    public static ProcStatus of(ProcFs proc, int pid) throws IOException {
        return parse(proc.read(pid, "status"));
    }

    /** The status of one thread of a process. */
    public static ProcStatus ofThread(ProcFs proc, int pid, int tid) throws IOException {
        return parse(proc.read(pid, "task/" + tid + "/status"));
    }

    /** The value of a field ("State", "TracerPid"), or "" when the kernel does not show it. */
    public String field(String name) {
        return fields.getOrDefault(name, "");
    }

    /** An integer field; {@code missing} when absent. */
    public long number(String name, long missing) {
        String value = field(name);
        return value.isEmpty() ? missing : Long.parseLong(value.split("\\s+")[0]);
    }

    /** A size field in kB ("VmLck"); 0 when absent, as for kernel threads and zombies. */
    public long kb(String name) {
        return number(name, 0);
    }

    /** Whether capability {@code bit} is in the effective set (CapEff). */
    public boolean hasCapability(int bit) {
        String capEff = field("CapEff");
        return !capEff.isEmpty() && (Long.parseUnsignedLong(capEff, 16) & (1L << bit)) != 0;
    }

    /** The effective uid (the second of the four on the Uid line). */
    public int effectiveUid() {
        String[] uids = field("Uid").split("\\s+");
        return uids.length > 1 ? Integer.parseInt(uids[1]) : -1;
    }
}
