package io.livetune.executor.modules.memorylock;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.inject.Mapping;
import io.livetune.executor.nativeio.Capability;
import io.livetune.executor.nativeio.Rlimit;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the kernel shows about one process's locked memory: /proc/PID/status (VmLck, VmRSS,
 * VmSize, CapEff), /proc/PID/smaps (each mapping's sizes and {@link VmFlags}) and RLIMIT_MEMLOCK.
 * Idempotency is decided from this, never from what was asked before.
 */
final class MemoryState {

    final long lockedKb;
    final long rssKb;
    final long sizeKb;
    final boolean canLockWithoutLimit;
    final long softLimit;
    final long hardLimit;
    final List<MappingUsage> mappings;

    private MemoryState(long lockedKb, long rssKb, long sizeKb, boolean canLockWithoutLimit, long softLimit,
            long hardLimit, List<MappingUsage> mappings) {
        this.lockedKb = lockedKb;
        this.rssKb = rssKb;
        this.sizeKb = sizeKb;
        this.canLockWithoutLimit = canLockWithoutLimit;
        this.softLimit = softLimit;
        this.hardLimit = hardLimit;
        this.mappings = mappings;
    }

    static MemoryState read(ProcFs proc, int pid) throws IOException {
        ProcStatus status = ProcStatus.of(proc, pid);
        List<MappingUsage> mappings = parseSmaps(proc.read(pid, "smaps"));
        Rlimit limit = memlockLimit(proc.read(pid, "limits"), pid);
        return new MemoryState(status.kb("VmLck"), status.kb("VmRSS"), status.kb("VmSize"),
                status.hasCapability(Capability.CAP_IPC_LOCK), limit.soft(), limit.hard(), mappings);
    }

    /**
     * RLIMIT_MEMLOCK from /proc/PID/limits, which anyone who may read the process can read
     * (prlimit(2) would need CAP_SYS_RESOURCE over another user's process).
     */
    static Rlimit memlockLimit(String limits, int pid) throws IOException {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max locked memory")) {
                String[] fields = line.substring("Max locked memory".length()).trim().split("\\s+");
                return new Rlimit(limitValue(fields[0]), limitValue(fields[1]));
            }
        }
        throw new IOException("no 'Max locked memory' line in /proc/" + pid + "/limits");
    }

    private static long limitValue(String text) {
        return text.equals("unlimited") ? Rlimit.INFINITY : Long.parseLong(text);
    }

    /** The mappings in a scope. */
    List<MappingUsage> inScope(Predicate<MappingUsage> scope) {
        List<MappingUsage> selected = new ArrayList<>();
        for (MappingUsage mapping : mappings) {
            if (mapping.lockable() && scope.test(mapping)) {
                selected.add(mapping);
            }
        }
        return selected;
    }

    static List<MappingUsage> parseSmaps(String smaps) {
        List<MappingUsage> entries = new ArrayList<>();
        Mapping current = null;
        long size = 0;
        long rss = 0;
        long locked = 0;
        for (String line : smaps.split("\n")) {
            Mapping header = Mapping.parse(line);
            if (header != null) {
                current = header;
                size = 0;
                rss = 0;
                locked = 0;
            } else if (current != null) {
                if (line.startsWith("Size:")) {
                    size = fieldKb(line);
                } else if (line.startsWith("Rss:")) {
                    rss = fieldKb(line);
                } else if (line.startsWith("Locked:")) {
                    locked = fieldKb(line);
                } else if (line.startsWith("VmFlags:")) { // the last field of each entry
                    entries.add(new MappingUsage(current, size, rss, locked, VmFlags.parse(line.substring(8))));
                    current = null;
                }
            }
        }
        return entries;
    }

    private static long fieldKb(String line) {
        String[] parts = line.split("\\s+");
        return Long.parseLong(parts[1]);
    }

    /** A limit as the result shows it: bytes, or "unlimited". */
    static void putLimit(ObjectNode json, String field, long limit) {
        if (limit == Rlimit.INFINITY) {
            json.put(field, "unlimited");
        } else {
            json.put(field, limit);
        }
    }

    static String limitText(long limit) {
        return limit == Rlimit.INFINITY ? "unlimited" : (limit / 1024) + " kB";
    }

    /** The before/after object of the result for this state, counting mappings in {@code scope}. */
    ObjectNode toJson(Predicate<MappingUsage> scope) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        List<MappingUsage> selected = inScope(scope);
        json.put("locked_kb", lockedKb);
        json.put("rss_kb", rssKb);
        json.put("mappings_locked", selected.stream().filter(MappingUsage::locked).count());
        json.put("mappings", selected.size());
        ObjectNode limit = json.putObject("memlock_limit");
        putLimit(limit, "soft", softLimit);
        putLimit(limit, "hard", hardLimit);
        return json;
    }
}
