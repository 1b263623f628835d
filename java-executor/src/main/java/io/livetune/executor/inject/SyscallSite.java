package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.PtraceCalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.PtraceAccess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A system-call instruction that already exists in the target's executable memory: the
 * injected call runs there. livetune never writes code into a target: another thread could
 * be executing the bytes we would overwrite, and text pages are shared with the page cache.
 * Any occurrence of the instruction's bytes will do, even inside another instruction: the
 * CPU decodes from wherever rip points, and the single step stops right after it.
 *
 * <p>Preference: the vdso (mapped in every process, never unmapped), then libc's text, then
 * any other executable file mapping. [vsyscall] is skipped (its page cannot be read and its
 * syscalls are emulated).
 *
 * @param address where the instruction starts
 * @param mapping the mapping that holds it
 */
public record SyscallSite(long address, Mapping mapping) {
    private static final int CHUNK = 64 * 1024;

    /** Finds a site in process {@code pid}; {@link InjectionException} when it has none (no vdso, no readable text). */
    public static SyscallSite find(int pid, RegisterLayout layout, PtraceCalls memory, ProcFs proc)
            throws IOException, InjectionException {
        List<Mapping> candidates = candidates(proc.read(pid, "maps"));
        for (Mapping mapping : candidates) {
            long found = search(pid, mapping, layout, memory, proc);
            if (found != 0) {
                return new SyscallSite(found, mapping);
            }
        }
        throw new InjectionException(InjectionException.Kind.NO_SYSCALL_SITE, "pid " + pid
                + " has no readable system-call instruction in its vdso or executable file mappings; "
                + "livetune never writes code into a process, so it cannot run a system call there");
    }

    /** Executable, readable mappings in order of preference. */
    static List<Mapping> candidates(String maps) {
        List<Mapping> vdso = new ArrayList<>();
        List<Mapping> libc = new ArrayList<>();
        List<Mapping> other = new ArrayList<>();
        for (String line : maps.split("\n")) {
            Mapping mapping = Mapping.parse(line);
            if (mapping == null || !mapping.executable() || !mapping.readable()) {
                continue;
            }
            String path = mapping.path();
            if (path.equals("[vdso]")) {
                vdso.add(mapping);
            } else if (path.matches(".*/libc(-[0-9.]+)?\\.so.*")) {
                libc.add(mapping);
            } else if (path.startsWith("/")) {
                other.add(mapping);
            }
        }
        List<Mapping> ordered = new ArrayList<>(vdso);
        ordered.addAll(libc);
        ordered.addAll(other);
        return ordered;
    }

    private static long search(int pid, Mapping mapping, RegisterLayout layout, PtraceCalls memory, ProcFs proc)
            throws InjectionException {
        byte[] instruction = layout.syscallInstruction();
        int step = layout.instructionAlignment();
        for (long chunkStart = mapping.start(); chunkStart < mapping.end(); chunkStart += CHUNK) {
            int length = (int) Math.min(CHUNK + instruction.length - 1, mapping.end() - chunkStart);
            byte[] bytes;
            try {
                bytes = memory.readMemory(pid, chunkStart, length);
            } catch (ErrnoException e) {
                if (e.is(Errno.EPERM)) {
                    // process_vm_readv needs the same right as PTRACE_SEIZE (PTRACE_MODE_ATTACH): refused
                    // for the whole process, so say why now rather than "no system-call instruction"
                    throw new InjectionException(InjectionException.Kind.NOT_PERMITTED,
                            PtraceAccess.ofThisExecutor(proc).attachRefused(proc.describe(pid)), e);
                }
                return 0; // unreadable (a guard page, a mapping that just went away): try the next one
            }
            int at = indexOf(bytes, instruction, step);
            if (at >= 0) {
                return chunkStart + at;
            }
        }
        return 0;
    }

    /** The first offset, a multiple of {@code step}, where {@code needle} starts in {@code haystack}; -1 if none. */
    static int indexOf(byte[] haystack, byte[] needle, int step) {
        for (int i = 0; i + needle.length <= haystack.length; i += step) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the instruction is still at the site (a cached site whose library was unmapped is not). */
    boolean stillThere(int pid, RegisterLayout layout, PtraceCalls memory) {
        try {
            return Arrays.equals(memory.readMemory(pid, address, layout.syscallInstruction().length),
                    layout.syscallInstruction());
        } catch (ErrnoException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(address) + " in " + mapping.describe();
    }
}
