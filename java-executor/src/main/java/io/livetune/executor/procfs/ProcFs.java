package io.livetune.executor.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads /proc. A file that vanished because its process exited becomes a
 * {@link ProcessGoneException}; every other read error is an {@link IOException} as usual.
 */
public final class ProcFs {
    private final Path root;

    public ProcFs() {
        this(Paths.get("/proc"));
    }

    public ProcFs(Path root) {
        this.root = root;
    }

    /** Where this proc file system is mounted ("/proc"). */
    public Path mountPoint() {
        return root;
    }

    public Path pidDir(int pid) {
        return root.resolve(Integer.toString(pid));
    }

    /** Every process id listed now; threads are not listed separately by /proc. */
    public List<Integer> pids() throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isNumber(name)) {
                    pids.add(Integer.parseInt(name));
                }
            }
        }
        return pids;
    }

    private static boolean isNumber(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    public String read(int pid, String file) throws IOException {
        return new String(readBytes(pid, file), StandardCharsets.UTF_8);
    }

    public byte[] readBytes(int pid, String file) throws IOException {
        try {
            return Files.readAllBytes(pidDir(pid).resolve(file));
        } catch (NoSuchFileException e) {
            throw new ProcessGoneException(pid);
        } catch (AccessDeniedException e) {
            throw new ProcessAccessDeniedException(pid, e.getFile());
        } catch (IOException e) {
            if (!Files.exists(pidDir(pid))) {
                throw new ProcessGoneException(pid);
            }
            throw e;
        }
    }

    /** The target of a /proc symlink such as {@code ns/net} or {@code fd/3}; null when it vanished. */
    public String link(int pid, String file) throws IOException {
        try {
            return Files.readSymbolicLink(pidDir(pid).resolve(file)).toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (AccessDeniedException e) {
            throw new ProcessAccessDeniedException(pid, e.getFile());
        }
    }

    /** "pid 42 (nginx)", as messages name a process; just "pid 42" when its name cannot be read. */
    public String describe(int pid) {
        try {
            return "pid " + pid + " (" + read(pid, "comm").trim() + ")";
        } catch (IOException e) {
            return "pid " + pid;
        }
    }

    /** Our own process, as /proc names it. */
    public static int selfPid() {
        return (int) ProcessHandle.current().pid();
    }

    /** The uid we run as: the owner the kernel gives our own /proc directory (no system call, no JNA). */
    public static int selfEuid() throws IOException {
        return (Integer) Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
    }
}
