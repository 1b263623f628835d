package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.procfs.ProcFs;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The argument sets that passed their module's schema on this target before, remembered in
 * the executor's private cache directory: {@code <cache>/<sha256>/validated-arguments}.
 *
 * <p>Why: most tasks on a target repeat the arguments of an earlier one (a drift check every
 * few minutes, a playbook run again), and validating the same arguments against the same
 * schema (fixed by the jar, whose sha256 names the directory) has the same answer. A
 * repeated set skips the module's schema (reading it, completing it from the option
 * registry, coercing ad-hoc values) and networknt's factory, keyword table and schema
 * compile, which a fresh JVM pays for every task (their classes are not even loaded then).
 *
 * <p>What keeps it safe: an entry is the module name and the exact JSON the task sent (its key,
 * compared whole), a tab, and the JSON those arguments became when they validated (normalised
 * and coerced, what the module then ran with), so only the very text that validated matches
 * and the module runs with what validation saw; bad input is always validated, with its clear
 * message, and only sets that validated are written. The exact text rather than a digest of
 * it: a collision is impossible, and a JVM that starts for one task pays ~15 ms to bring up
 * the JDK's message digests (the security providers and their tables), as much as skipping
 * the validation saves. The file
 * is used only where executor_run.sh names the directory ({@value #DIRECTORY_PROPERTY}), and
 * only while that directory is ours alone (owned by our euid, a directory, no write for group
 * or others; executor_run.sh refused it otherwise, ACLs included). Anything unexpected (no
 * file, unreadable, malformed, too big) means "validate"; a failed write means "not
 * remembered". Never a task failure.
 *
 * <p>The file: a header line, then at most {@value #CAPACITY} entries, one a line, oldest
 * first (compact JSON has no line breaks or tabs; an entry longer than {@value #MAX_ENTRY}
 * characters is not remembered; a key is remembered once, with its latest arguments). It is
 * replaced whole (a temporary file in the same directory, then a rename), so a reader sees
 * the old or the new file, never half of one; of two tasks that write at once, the later
 * rename wins and the other's entry is simply not remembered.
 */
public final class ValidatedArguments {
    /** The executor's cache directory on the target, as executor_run.sh checked it. */
    public static final String DIRECTORY_PROPERTY = "livetune.cache.dir";
    static final String FILE_NAME = "validated-arguments";
    static final String HEADER = "livetune validated-arguments 2";
    static final int CAPACITY = 64;
    static final int MAX_ENTRY = 8192;
    /** The largest well-formed file (UTF-8 takes at most 3 bytes a char here): anything bigger is not ours. */
    private static final int MAX_BYTES = HEADER.length() + 1 + CAPACITY * (3 * MAX_ENTRY + 1);
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final Set<PosixFilePermission> OWNER_READ_WRITE =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final ValidatedArguments NONE = new ValidatedArguments(null, List.of());

    private final Path directory;
    private final List<String> entries;

    private ValidatedArguments(Path directory, List<String> entries) {
        this.directory = directory;
        this.entries = entries;
    }

    /** The memo of the directory executor_run.sh named; one that remembers nothing without it. */
    public static ValidatedArguments ofThisRun() {
        String directory = System.getProperty(DIRECTORY_PROPERTY);
        return directory == null || directory.isEmpty() ? NONE : in(Paths.get(directory));
    }

    /** The memo kept in {@code directory}; one that remembers nothing when it is not ours alone. */
    static ValidatedArguments in(Path directory) {
        if (!isPrivate(directory)) {
            return NONE;
        }
        return new ValidatedArguments(directory, read(directory.resolve(FILE_NAME)));
    }

    /**
     * The key of {@code raw}, the arguments as the task sent them, for {@code module}; null
     * when this memo is not kept or the set is too long to remember (then nothing is written).
     */
    String keyOf(String module, JsonNode raw) {
        if (directory == null) {
            return null;
        }
        String key = module + ' ' + Json.write(raw);
        return key.length() <= MAX_ENTRY / 2 && key.indexOf('\n') < 0 && key.indexOf('\t') < 0 ? key : null;
    }

    /**
     * The arguments {@code key}'s text became when it validated (normalised and coerced, as the
     * module runs them), or null: not kept, never validated here, or an entry that does not parse.
     */
    JsonNode argumentsFor(String key) {
        if (key == null) {
            return null;
        }
        String prefix = key + '\t';
        for (String entry : entries) {
            if (entry.startsWith(prefix)) {
                try {
                    JsonNode arguments = Json.read(entry.substring(prefix.length()));
                    return arguments.isObject() ? arguments : null;
                } catch (IOException | RuntimeException e) {
                    return null; // not ours to believe: validate
                }
            }
        }
        return null;
    }

    /**
     * Remembers that {@code key}'s text validated as {@code arguments} (call only then): the last
     * {@value #CAPACITY} sets are kept. Best effort; a null key: not kept.
     */
    void remember(String key, JsonNode arguments) {
        if (key == null || directory == null) {
            return;
        }
        String entry = key + '\t' + Json.write(arguments);
        if (entry.length() > MAX_ENTRY || entry.indexOf('\n') >= 0 || entries.contains(entry)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String e : entries) {
            if (!e.startsWith(key + '\t')) {
                kept.add(e);
            }
        }
        kept.add(entry);
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (String e : kept.subList(Math.max(0, kept.size() - CAPACITY), kept.size())) {
            text.append(e).append('\n');
        }
        // Named by our pid, not by Files.createTempFile, whose random names cost a fresh JVM its
        // SecureRandom (~10 ms). Only our own processes write here: one of that pid is long gone.
        Path temporary = directory.resolve("." + FILE_NAME + "." + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(temporary);
            try (SeekableByteChannel out = Files.newByteChannel(temporary, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE))) {
                ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            Files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
        } catch (IOException | RuntimeException e) {
            // not remembered: the next task with these arguments validates them again
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    // a stray temporary file, in our own directory
                }
            }
        }
    }

    /** Ours alone: a directory (not a symlink) owned by our euid, not writable by group or others. */
    private static boolean isPrivate(Path directory) {
        try {
            Map<String, Object> attributes = Files.readAttributes(directory, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) attributes.get("mode");
            return (mode & S_IFMT) == S_IFDIR && (mode & GROUP_OR_OTHER_WRITE) == 0
                    && (Integer) attributes.get("uid") == ProcFs.selfEuid();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The entries of a well-formed file; none for a missing, unreadable, oversized or malformed one. */
    private static List<String> read(Path file) {
        byte[] bytes;
        // java.io rather than Files.newInputStream, whose channel classes a task would load for this
        // file alone; no symlink can be here but our own (the directory is ours alone)
        try (InputStream in = new FileInputStream(file.toFile())) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        if (bytes.length > MAX_BYTES) {
            return List.of();
        }
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        // a header, entries, and the empty string after the last newline
        if (lines.length < 2 || lines.length > CAPACITY + 2 || !lines[0].equals(HEADER)
                || !lines[lines.length - 1].isEmpty()) {
            return List.of();
        }
        List<String> entries = new ArrayList<>(lines.length - 2);
        for (int i = 1; i < lines.length - 1; i++) {
            if (lines[i].isEmpty() || lines[i].length() > MAX_ENTRY) {
                return List.of();
            }
            entries.add(lines[i]);
        }
        return entries;
    }
}
