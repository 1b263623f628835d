package io.livetune.executor.modules.preload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.procfs.ProcFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.Set;

/**
 * One file preload_wrapper owns (the library, a drop-in, a wrapper): what it holds now and
 * what it should hold, compared by content, mode and owner; written to a temporary name in
 * the same directory and renamed into place, so that a program starting meanwhile sees the
 * old file or the new one, never half of one; removed only when it is ours.
 */
final class ManagedFile {
    /** The first words of every text file the module writes: what says a file is ours to rewrite or remove. */
    static final String MARKER = "# Written by livetune.process.preload_wrapper.";

    enum Kind {
        LIBRARY("library"), DROP_IN("drop-in"), WRAPPER("wrapper");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    final String path;
    final Kind kind;
    private final Path local;
    private final byte[] before;
    private final byte[] after;
    private final int mode;
    private final boolean metadataDiffers;

    private ManagedFile(String path, Kind kind, Path local, byte[] before, byte[] after, int mode, boolean metadataDiffers) {
        this.path = path;
        this.kind = kind;
        this.local = local;
        this.before = before;
        this.after = after;
        this.mode = mode;
        this.metadataDiffers = metadataDiffers;
    }

    /**
     * Plans {@code path} (a host path) to hold {@code wanted} with {@code mode}, or to be gone
     * when {@code wanted} is null. A text file that exists without {@link #MARKER} is not
     * ours, and is neither replaced nor removed.
     */
    static ManagedFile plan(PreloadHost host, String path, Kind kind, byte[] wanted, int mode) {
        Path local = host.path(path);
        byte[] before = null;
        boolean metadataDiffers = false;
        if (Files.isSymbolicLink(local)) {
            throw new TaskFailure(kind.word + " " + path + " is a symbolic link; livetune writes a file there only "
                    + "where there is none or its own: remove the link first");
        }
        if (Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS)) {
                throw new TaskFailure(kind.word + " " + path + " exists and is not a regular file");
            }
            try {
                before = Files.readAllBytes(local);
                metadataDiffers = ((Integer) Files.getAttribute(local, "unix:mode") & 07777) != mode
                        || (Integer) Files.getAttribute(local, "unix:uid") != euid();
            } catch (IOException e) {
                throw new TaskFailure("cannot read " + kind.word + " " + path + ": " + e.getMessage());
            }
            if (kind != Kind.LIBRARY && !new String(before, StandardCharsets.UTF_8).contains(MARKER)) {
                throw new TaskFailure(kind.word + " " + path + " exists and was not written by livetune (it lacks the "
                        + "line '" + MARKER + "'); livetune neither replaces nor removes it: move it away, or choose "
                        + "another " + (kind == Kind.WRAPPER ? "wrapper path" : "unit"));
            }
        }
        return new ManagedFile(path, kind, local, before, wanted, mode, metadataDiffers && wanted != null);
    }

    boolean changes() {
        if (after == null) {
            return before != null;
        }
        return before == null || !java.util.Arrays.equals(before, after) || metadataDiffers;
    }

    /** What happens (or would, in check mode) to the file. */
    String action() {
        if (!changes()) {
            return after == null ? "absent" : "unchanged";
        }
        return after == null ? "removed" : before == null ? "created" : "updated";
    }

    /** Writes or removes the file; creates missing directories (0755) on the way. */
    void apply() {
        if (!changes()) {
            return;
        }
        try {
            if (after == null) {
                Files.delete(local);
                return;
            }
            Path dir = local.getParent();
            Path tmp = Files.createTempFile(dir, "." + local.getFileName() + ".", ".livetune-tmp");
            try {
                Files.setPosixFilePermissions(tmp, permissions(mode));
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer bytes = ByteBuffer.wrap(after);
                    while (bytes.hasRemaining()) {
                        out.write(bytes);
                    }
                    out.force(true);
                }
                try {
                    Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new TaskFailure("cannot " + (after == null ? "remove " : "write ") + kind.word + " " + path + ": "
                    + e.getMessage());
        }
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("path", path);
        json.put("kind", kind.word);
        json.put("action", action());
        return json;
    }

    /** Before and after as Ansible shows a file's diff: the text, or for the library its checksum. */
    String diffText(boolean afterwards) {
        byte[] content = afterwards ? after : before;
        if (content == null) {
            return "";
        }
        if (kind == Kind.LIBRARY) {
            return "sha256: " + sha256(content) + "\nsize: " + content.length + "\n";
        }
        return new String(content, StandardCharsets.UTF_8);
    }

    String diffHeader() {
        return path + (kind == Kind.LIBRARY ? " (binary)" : "");
    }

    static String sha256(byte[] content) {
        try {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(content)) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    /** The uid the executor runs as. */
    static int euid() {
        try {
            return ProcFs.selfEuid();
        } catch (IOException e) {
            throw new TaskFailure("cannot read /proc/self: " + e.getMessage());
        }
    }
}
