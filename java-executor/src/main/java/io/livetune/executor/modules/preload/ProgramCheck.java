package io.livetune.executor.modules.preload;

import io.livetune.executor.modules.TaskFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Whether the dynamic loader will read LD_PRELOAD for a program, decided from the file itself
 * (its mode bits and its ELF header, read here with plain Java): it will not for a setuid or
 * setgid program (secure-execution mode), nor for a statically linked one (no PT_INTERP: no
 * loader runs), nor load a library built for another machine into it. A #! script is judged
 * by its interpreter, the program that really runs.
 */
final class ProgramCheck {
    /** The standard PATH a bare program name is looked up in (systemd's, for ExecStart= too). */
    static final List<String> PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private static final int PT_INTERP = 3;
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final Map<Integer, String> MACHINES = Map.of(3, "i386", 62, "x86_64", 40, "arm", 183, "aarch64",
            243, "riscv64", 8, "mips", 20, "ppc", 21, "ppc64", 22, "s390x", 258, "loongarch64");
    /** e_machine of the machines the shim is built for. */
    private static final Map<String, Integer> E_MACHINE = Map.of("x86_64", 62, "aarch64", 183);

    private final PreloadHost host;

    ProgramCheck(PreloadHost host) {
        this.host = host;
    }

    /**
     * The host path of a program named as ExecStart= or a wrapper's command names it: an
     * absolute path as it is, a bare name looked up in {@link #PATH}. Null when not found.
     */
    String find(String program) {
        if (program.startsWith("/")) {
            return exists(program) ? program : null;
        }
        if (program.contains("/")) {
            return null; // relative paths mean nothing to systemd or to a wrapper run from anywhere
        }
        for (String dir : PATH) {
            String candidate = dir + "/" + program;
            if (exists(candidate) && Files.isRegularFile(host.path(resolved(candidate)))
                    && Files.isExecutable(host.path(resolved(candidate)))) {
                return candidate;
            }
        }
        return null;
    }

    private boolean exists(String program) {
        return Files.exists(host.path(resolved(program)), LinkOption.NOFOLLOW_LINKS);
    }

    private String resolved(String program) {
        try {
            return host.resolve(program);
        } catch (IOException e) {
            return program;
        }
    }

    /**
     * Fails, naming the reason, unless the library can work in {@code program} (a host path).
     * {@code what} says where the program comes from ("ExecStart= of x.service").
     */
    void check(String program, String what) {
        check(program, what, 0);
    }

    private void check(String program, String what, int depth) {
        String real;
        try {
            real = host.resolve(program);
        } catch (IOException e) {
            throw new TaskFailure(what + ": " + e.getMessage());
        }
        Path file = host.path(real);
        String shown = real.equals(program) ? program : program + " (" + real + ")";
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new TaskFailure(what + ": " + shown + (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    ? " is not a regular file" : " does not exist"));
        }
        int mode = mode(file, what);
        if ((mode & 0111) == 0) {
            throw new TaskFailure(what + ": " + shown + " is not executable (mode " + String.format("%04o", mode & 07777) + ")");
        }
        if ((mode & (S_ISUID | S_ISGID)) != 0) {
            throw new TaskFailure(what + ": " + shown + " is set" + ((mode & S_ISUID) != 0 ? "uid" : "gid")
                    + " (mode " + String.format("%04o", mode & 07777) + "): the dynamic loader runs it in secure-execution "
                    + "mode and ignores LD_PRELOAD, so the preload library would never load");
        }
        byte[] head = head(file, what);
        if (head.length >= 2 && head[0] == '#' && head[1] == '!') {
            String interpreter = interpreter(head);
            if (interpreter == null || !interpreter.startsWith("/")) {
                throw new TaskFailure(what + ": " + shown + " is a script whose #! line names no absolute interpreter");
            }
            if (depth >= 4) {
                throw new TaskFailure(what + ": " + shown + ": too many levels of #! interpreters");
            }
            check(interpreter, what + " (the #! interpreter of " + shown + ")", depth + 1);
            return;
        }
        if (head.length < 20 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
            throw new TaskFailure(what + ": " + shown + " is neither an ELF program nor a #! script");
        }
        elf(file, shown, what);
    }

    private void elf(Path file, String shown, String what) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = read(channel, 0, 64);
            boolean is64 = header.get(4) == 2;
            header.order(header.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int type = Short.toUnsignedInt(header.getShort(16));
            int machine = Short.toUnsignedInt(header.getShort(18));
            Integer wanted = E_MACHINE.get(host.machine());
            if (wanted == null || machine != wanted || !is64) {
                throw new TaskFailure(what + ": " + shown + " is a " + (is64 ? "64" : "32") + "-bit "
                        + MACHINES.getOrDefault(machine, "e_machine " + machine) + " program, but this host's preload "
                        + "library is built for " + host.machine() + " (64-bit): the loader would not load it");
            }
            if (type != ET_EXEC && type != ET_DYN) {
                throw new TaskFailure(what + ": " + shown + " is not an executable ELF file (e_type " + type + ")");
            }
            long phoff = is64 ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
            int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 54 : 42));
            int phnum = Short.toUnsignedInt(header.getShort(is64 ? 56 : 44));
            if (phnum == 0 || phentsize < 4 || phnum > 4096) {
                throw new TaskFailure(what + ": " + shown + " has no program headers: not a program the loader runs");
            }
            ByteBuffer headers = read(channel, phoff, phentsize * phnum).order(header.order());
            for (int i = 0; i < phnum; i++) {
                if (headers.getInt(i * phentsize) == PT_INTERP) {
                    return;
                }
            }
            throw new TaskFailure(what + ": " + shown + " is statically linked (its ELF program headers have no "
                    + "PT_INTERP): no dynamic loader runs, so LD_PRELOAD is never read");
        } catch (IOException e) {
            throw new TaskFailure(what + ": cannot read " + shown + ": " + e.getMessage());
        }
    }

    private static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new IOException("the file ends inside its ELF headers");
            }
        }
        return buffer.flip();
    }

    private static int mode(Path file, String what) {
        try {
            return (Integer) Files.getAttribute(file, "unix:mode");
        } catch (IOException e) {
            throw new TaskFailure(what + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    private static byte[] head(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(256);
        } catch (IOException e) {
            throw new TaskFailure(what + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The interpreter of a #! line, as the kernel reads it (up to the first blank). */
    private static String interpreter(byte[] head) {
        String line = new String(head, 2, head.length - 2, StandardCharsets.ISO_8859_1);
        int end = line.indexOf('\n');
        if (end < 0) {
            return null;
        }
        String[] words = line.substring(0, end).strip().split("[ \t]+");
        return words.length == 0 || words[0].isEmpty() ? null : words[0];
    }
}
