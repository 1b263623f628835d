package io.livetune.executor.procfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Which descriptors of a process are sockets, and the inode of each (from /proc/PID/fd). */
public final class SocketDescriptors {
    private static final String SOCKET_PREFIX = "socket:[";

    private SocketDescriptors() {
    }

    /** fd number → socket inode, in fd order. */
    public static Map<Integer, Long> of(ProcFs proc, int pid) throws IOException {
        Map<Integer, Long> sockets = new TreeMap<>();
        Path fdDir = proc.pidDir(pid).resolve("fd");
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                long inode = inodeOf(fd);
                if (inode >= 0) {
                    sockets.put(Integer.parseInt(fd.getFileName().toString()), inode);
                }
            }
        } catch (NoSuchFileException e) {
            throw new ProcessGoneException(pid);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ProcessAccessDeniedException(pid, e.getFile());
        }
        return sockets;
    }

    /** The socket inode a /proc fd link points to, or -1 when it is not a socket (or is gone). */
    public static long inodeOf(Path fdLink) throws IOException {
        String target;
        try {
            target = Files.readSymbolicLink(fdLink).toString();
        } catch (NoSuchFileException e) {
            return -1; // closed between listing and reading: nothing to do with it.
        }
        if (!target.startsWith(SOCKET_PREFIX)) {
            return -1;
        }
        return Long.parseLong(target.substring(SOCKET_PREFIX.length(), target.length() - 1));
    }
}
