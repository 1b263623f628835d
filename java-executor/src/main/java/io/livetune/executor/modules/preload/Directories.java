package io.livetune.executor.modules.preload;

import io.livetune.executor.modules.TaskFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories that hold what root's services load and run (the library, a wrapper):
 * only root, or the user the executor runs as, may be able to change what is in them, or
 * rename them away, as for the executor's own jar cache. Missing levels are made 0755.
 */
final class Directories {
    private static final int STICKY = 01000;

    private Directories() {
    }

    /**
     * Fails unless every existing level of {@code dir} (a host path) is a directory that
     * only root or we can write; with {@code create}, makes the missing levels (0755).
     * Returns the host paths of the levels that are (or, without create, would be) made.
     */
    static List<String> check(PreloadHost host, String dir, String what, boolean create) {
        return check(host, dir, what, create, null);
    }

    /** The same, adding to {@code warnings} the levels that other users cannot search. */
    static List<String> check(PreloadHost host, String dir, String what, boolean create, List<String> warnings) {
        int euid = ManagedFile.euid();
        List<String> missing = new ArrayList<>();
        String level = "";
        String[] names = dir.substring(1).split("/");
        for (int i = -1; i < names.length; i++) {
            level = i < 0 ? "/" : level.equals("/") ? "/" + names[i] : level + "/" + names[i];
            Path local = host.path(level);
            if (!missing.isEmpty() || !Files.exists(local)) {
                missing.add(level);
                continue;
            }
            if (!Files.isDirectory(local)) {
                throw new TaskFailure(what + ": " + level + " is not a directory");
            }
            boolean last = i == names.length - 1;
            try {
                int mode = (Integer) Files.getAttribute(local, "unix:mode");
                int owner = (Integer) Files.getAttribute(local, "unix:uid");
                if (owner != 0 && owner != euid) {
                    throw new TaskFailure(what + ": " + level + " is owned by uid " + owner + ", so that user could "
                            + "replace what root's services " + (what.startsWith("wrapper") ? "run" : "load") + " from "
                            + dir + "; use a directory that only root can change");
                }
                boolean writableByOthers = (mode & 0022) != 0;
                if (writableByOthers && (last || (mode & STICKY) == 0)) {
                    throw new TaskFailure(what + ": " + level + " is writable by " + ((mode & 0002) != 0 ? "every user" : "its group")
                            + " (mode " + String.format("%04o", mode & 07777) + "), so others could replace what root's "
                            + "services load from " + dir + "; use a directory that only root can change");
                }
                if ((mode & 0001) == 0 && warnings != null) {
                    warnings.add(what + ": " + level + " cannot be searched by other users (mode "
                            + String.format("%04o", mode & 07777) + "): programs that do not run as root or as its "
                            + "owner cannot " + (what.startsWith("wrapper") ? "run the wrapper" : "load the library"));
                }
            } catch (IOException e) {
                throw new TaskFailure(what + ": cannot inspect " + level + ": " + e.getMessage());
            }
        }
        if (create) {
            for (String make : missing) {
                Path local = host.path(make);
                try {
                    Files.createDirectory(local);
                    Files.setPosixFilePermissions(local, ManagedFile.permissions(0755));
                } catch (IOException e) {
                    throw new TaskFailure(what + ": cannot create " + make + ": " + e.getMessage());
                }
            }
        }
        return missing;
    }

    /** Removes {@code dir} (a host path) when it is an empty directory; says whether it did. */
    static boolean removeIfEmpty(PreloadHost host, String dir) {
        Path local = host.path(dir);
        if (!Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (java.util.stream.Stream<Path> entries = Files.list(local)) {
            if (entries.findAny().isPresent()) {
                return false;
            }
            Files.delete(local);
            return true;
        } catch (IOException e) {
            return false; // a directory someone still uses, or just filled: it stays
        }
    }
}
