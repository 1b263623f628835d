package io.livetune.executor.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * JNA's native part, unpacked once into the executor's cache on the target and loaded from
 * there ({@code jna.boot.library.path}), instead of JNA unpacking it into a temporary file on
 * every run (a write per task, and an exec of a file from a tmp dir some hosts mount noexec).
 * executor_run.sh names the directory ({@value #DIRECTORY_PROPERTY}) inside the cache it has
 * checked to be ours alone; without it (tests, a jar run by hand) JNA does as it always does.
 * This must run before any JNA class loads: JNA reads the property once.
 */
public final class JnaBootLibrary {
    /** The directory to unpack into and load from. */
    public static final String DIRECTORY_PROPERTY = "livetune.jna.dir";
    static final String FILE_NAME = "libjnidispatch.so";

    private JnaBootLibrary() {
    }

    /**
     * Points JNA at the unpacked library when {@value #DIRECTORY_PROPERTY} is set. Best effort: when
     * it cannot be unpacked (a full disk, a machine the jar has no library for), JNA unpacks it itself.
     */
    public static void useCacheDirectory() {
        String directory = System.getProperty(DIRECTORY_PROPERTY);
        if (directory == null || directory.isEmpty() || System.getProperty("jna.boot.library.path") != null) {
            return;
        }
        try {
            Optional<Path> library = unpack(Paths.get(directory), Architecture.current());
            // No lambda here: this runs first in every task's JVM, and the first lambda linked
            // costs ~5 ms (the JDK's lambda forms) that would hold up everything after it.
            if (library.isPresent()) {
                System.setProperty("jna.boot.library.path", library.get().getParent().toString());
            }
        } catch (IOException | UnsupportedOperationException e) {
            // JNA's own way still works (into jna.tmpdir): slower, never wrong
        }
    }

    /**
     * {@code directory/libjnidispatch.so} for {@code machine}, written from the jar if not there yet:
     * under a temporary name, readable by us only, then renamed, so a concurrent run never loads half
     * a file. Empty when the jar has no library for that machine.
     */
    static Optional<Path> unpack(Path directory, Architecture machine) throws IOException {
        Path library = directory.resolve(FILE_NAME);
        if (Files.isRegularFile(library)) {
            return Optional.of(library);
        }
        String resource = "/com/sun/jna/" + machine.jnaNativeDirectory() + "/" + FILE_NAME;
        try (InputStream in = JnaBootLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made by an earlier or a concurrent run
            }
            Path partial = Files.createTempFile(directory, ".lib", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (OutputStream out = Files.newOutputStream(partial)) { // keeps the file's rw-------
                    in.transferTo(out);
                }
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        return Optional.of(library);
    }
}
