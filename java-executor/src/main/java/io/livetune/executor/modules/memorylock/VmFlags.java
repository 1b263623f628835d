package io.livetune.executor.modules.memorylock;

import java.util.List;
import java.util.Set;

/**
 * The VmFlags line of one /proc/PID/smaps entry: the kernel's two-letter names of a mapping's
 * vm_flags bits, and what they show about the lock on it.
 *
 * <p>How the kernel writes the line (fs/proc/task_mmu.c, show_smap_vma_flags): it walks the
 * bits from 0 up and prints the name of each bit that is set, so the names come in bit order;
 * a set bit the running kernel has no name for is printed as {@code ??} in its place (the table
 * is filled with "??" before the names are put in; an empty name, the protection-key bits, is
 * skipped). VM_LOCKONFAULT (bit 19, 0x00080000 in include/linux/mm.h) came with mlock2 in
 * Linux 4.4 but got its name {@code lf} only in 6.2 (commit 8614d6c5eda0, "mm: do not show '??'
 * for VM_LOCKONFAULT pages"): on 4.4 to 6.1, Debian 12's kernel among them, an on-fault lock
 * shows as {@code ??}.
 *
 * <p>So a {@code ??} is VM_LOCKONFAULT when its place in bit order can be no other bit. Bits
 * 14 to 18 (io sr rr dc de) and 20 to 31 (the {@link #BITS_20_TO_31} names) have each had their
 * name in every kernel that could set them since VmFlags exists (3.8; sd 3.13, wf 4.14 and sf
 * 4.15 came with their flags): between {@code lo} (bit 13) and a name of bits 20 to 31, only
 * bit 19 can be unnamed. After the last of those names, an unnamed bit may be 19 or a high bit
 * a vendor kernel added without a name: that is not known, and is said so, never guessed.
 * VM_LOCKONFAULT is never set without VM_LOCKED (mm/mlock.c sets and clears them together,
 * VM_LOCKED_MASK).
 */
final class VmFlags {
    /** What the line says about one fact: shown set, shown clear, or not shown for certain. */
    enum Answer {
        YES, NO, UNKNOWN
    }

    /** Names of bits 20 (VM_ACCOUNT) to 31 (VM_MERGEABLE), each in every kernel that could set its bit. */
    private static final Set<String> BITS_20_TO_31 =
            Set.of("ac", "nr", "ht", "sf", "ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg");
    private static final String UNNAMED = "??";

    private final List<String> names;

    private VmFlags(List<String> names) {
        this.names = names;
    }

    /** From the text after "VmFlags:". */
    static VmFlags parse(String text) {
        String trimmed = text.trim();
        return new VmFlags(trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+")));
    }

    boolean has(String name) {
        return names.contains(name);
    }

    /** VM_LOCKED ({@code lo}): set by mlock and mlockall, the on-fault variants too. */
    boolean locked() {
        return has("lo");
    }

    /** VM_LOCKONFAULT: {@code lf}, or an unnamed bit where only bit 19 can be (see the class comment). */
    Answer lockedOnFault() {
        int locked = names.indexOf("lo");
        if (locked < 0) {
            return Answer.NO;
        }
        int unnamed = 0;
        for (String name : names.subList(locked + 1, names.size())) {
            if (name.equals("lf")) {
                return Answer.YES;
            }
            if (BITS_20_TO_31.contains(name)) { // bit 19, if set, was printed before this name
                return unnamed == 0 ? Answer.NO : unnamed == 1 ? Answer.YES : Answer.UNKNOWN;
            }
            if (name.equals(UNNAMED)) {
                unnamed++;
            }
        }
        return unnamed == 0 ? Answer.NO : Answer.UNKNOWN;
    }

    @Override
    public String toString() {
        return String.join(" ", names);
    }
}
