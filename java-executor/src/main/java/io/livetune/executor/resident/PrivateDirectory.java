package io.livetune.executor.resident;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * The resident's directory: a real directory (no symlink), owned by the user the resident runs
 * as, mode 0700. Its socket is then reachable by that user and root alone, before the peer check
 * even runs; anything else means someone else could have planted or watch it, so the resident
 * refuses to serve there (it never repairs the directory).
 */
public final class PrivateDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private PrivateDirectory() {
    }

    /** Why {@code dir} is not private to {@code self}, or null when it is. */
    public static String problem(Path dir, UserPrincipal self) {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return dir + " cannot be read: " + e.getMessage();
        }
        if (attributes.isSymbolicLink()) {
            return dir + " is a symbolic link";
        }
        if (!attributes.isDirectory()) {
            return dir + " is not a directory";
        }
        if (!attributes.owner().equals(self)) {
            return dir + " is owned by " + attributes.owner().getName() + ", not by " + self.getName();
        }
        if (!attributes.permissions().equals(OWNER_ONLY)) {
            return dir + " has mode " + java.nio.file.attribute.PosixFilePermissions.toString(attributes.permissions())
                    + ", not rwx------ (0700)";
        }
        return null;
    }

    /** The user this JVM runs as (its effective uid): the owner of /proc/self. */
    public static UserPrincipal self() throws IOException {
        return Files.getOwner(Path.of("/proc/self"));
    }
}
