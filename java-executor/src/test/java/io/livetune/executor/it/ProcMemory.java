package io.livetune.executor.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The tests' own reading of a process's memory locking, straight from /proc (not through the
 * executor): VmLck and friends from status, each mapping's permissions, size and VmFlags from smaps.
 */
final class ProcMemory {
    /** One smaps entry as the test reads it. */
    static final class Entry {
        final String header;
        final String permissions;
        final String path;
        long sizeKb;
        long rssKb;
        Set<String> flags = Set.of();
        /** The VmFlags names as the kernel printed them: in bit order. */
        List<String> flagsInOrder = List.of();

        Entry(String header) {
            this.header = header;
            String[] fields = header.trim().split("\\s+", 6);
            this.permissions = fields[1];
            this.path = fields.length == 6 ? fields[5] : "";
        }

        boolean locked() {
            return flags.contains("lo");
        }

        /**
         * VM_LOCKONFAULT: "lf" from Linux 6.2; before, the kernel prints "??" for it in its place
         * in bit order (fs/proc/task_mmu.c), right after lo (bit 13) and the names of bits 14-18.
         */
        boolean lockedOnFault() {
            if (flags.contains("lf")) {
                return true;
            }
            int next = flagsInOrder.indexOf("lo") + 1;
            if (next == 0) {
                return false;
            }
            while (next < flagsInOrder.size() && Set.of("io", "sr", "rr", "dc", "de").contains(flagsInOrder.get(next))) {
                next++;
            }
            return next < flagsInOrder.size() && flagsInOrder.get(next).equals("??");
        }

        /** Whether the address lies in this mapping ("start-end" at the head of the header, in hex). */
        boolean holds(long address) {
            String[] range = header.trim().split("\\s+", 2)[0].split("-");
            return Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
        }

        boolean executable() {
            return permissions.charAt(2) == 'x';
        }

        /** mlock leaves VM_IO/VM_PFNMAP/VM_DONTEXPAND/VM_MIXEDMAP, hugetlb and [vsyscall] alone. */
        boolean lockable() {
            return !path.equals("[vsyscall]") && flags.stream().noneMatch(Set.of("io", "pf", "de", "mm", "ht")::contains);
        }

        @Override
        public String toString() {
            return header + " VmFlags: " + String.join(" ", flagsInOrder);
        }
    }

    private ProcMemory() {
    }

    static long statusKb(long pid, String field) {
        for (String line : read(pid, "status").split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no " + field + " in /proc/" + pid + "/status");
    }

    static long vmLckKb(long pid) {
        return statusKb(pid, "VmLck");
    }

    /** voluntary + nonvoluntary context switches of the main thread: they move when the thread is stopped. */
    static long contextSwitches(long pid) {
        long total = 0;
        for (String line : read(pid, "status").split("\n")) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return total;
    }

    static List<Entry> smaps(long pid) {
        List<Entry> entries = new ArrayList<>();
        Entry current = null;
        for (String line : read(pid, "smaps").split("\n")) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                current = new Entry(line);
                entries.add(current);
            } else if (current != null && line.startsWith("Size:")) {
                current.sizeKb = Long.parseLong(line.split("\\s+")[1]);
            } else if (current != null && line.startsWith("Rss:")) {
                current.rssKb = Long.parseLong(line.split("\\s+")[1]);
            } else if (current != null && line.startsWith("VmFlags:")) {
                current.flagsInOrder = List.of(line.substring(8).trim().split("\\s+"));
                current.flags = Set.copyOf(current.flagsInOrder);
            }
        }
        return entries;
    }

    /** The soft RLIMIT_MEMLOCK in /proc/PID/limits ("unlimited" or bytes). */
    static String memlockSoftLimit(long pid) {
        for (String line : read(pid, "limits").split("\n")) {
            if (line.startsWith("Max locked memory")) {
                return line.substring("Max locked memory".length()).trim().split("\\s+")[0];
            }
        }
        throw new AssertionError("no memlock limit for " + pid);
    }

    private static String read(long pid, String file) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/" + file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
