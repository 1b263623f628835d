package io.livetune.executor.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The executor in a child JVM started through a command prefix, for what an in-process run
 * cannot be: another user (setpriv --reuid), another mount namespace with its own /proc
 * (unshare -m; mount -t proc -o hidepid=...). The classes and jars of the test class path are
 * copied once into a directory every user can read (this JVM's own come from /root).
 */
final class ChildExecutor implements Executor.Launcher {
    private static final long TIMEOUT_SECONDS = 40;
    private static Path classPath;

    private final List<String> prefix;

    private ChildExecutor(List<String> prefix) {
        this.prefix = prefix;
    }

    /** As root, but in a mount namespace of its own where /proc is a fresh proc mounted with these options. */
    static ChildExecutor withProcMountedWith(String procOptions) {
        return new ChildExecutor(procMount(procOptions));
    }

    /** As {@code uid} (and gid, no supplementary groups), with /proc mounted with these options (null: the host's). */
    static ChildExecutor asUser(int uid, String procOptions) {
        List<String> prefix = new ArrayList<>(procOptions == null ? List.of() : procMount(procOptions));
        prefix.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
        return new ChildExecutor(prefix);
    }

    /** Never the host's /proc: a private mount namespace, gone with the child. */
    private static List<String> procMount(String options) {
        return List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t proc -o " + options + " proc /proc && exec \"$@\"", "sh");
    }

    @Override
    public int run(String[] argv, byte[] stdin, PrintStream stdout, PrintStream stderr) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", // as the jar's manifest: JDK 24+ warns on stderr otherwise
                "-Djna.tmpdir=" + classPath().resolve("jna-tmp"), "-cp", classPathArgument(),
                io.livetune.executor.Main.class.getName()));
        command.addAll(List.of(argv));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(new File("/"));
            builder.environment().put("HOME", "/tmp");
            Process child = builder.start();
            try (OutputStream in = child.getOutputStream()) {
                in.write(stdin);
            }
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errCopy = new Thread(() -> {
                try {
                    child.getErrorStream().transferTo(err);
                } catch (IOException e) {
                    // ended
                }
            });
            errCopy.start();
            child.getInputStream().transferTo(stdout);
            if (!child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("the child executor did not finish within " + TIMEOUT_SECONDS + " s: "
                        + command);
            }
            errCopy.join();
            stderr.write(err.toByteArray());
            return child.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the child executor ran", e);
        }
    }

    private static String classPathArgument() {
        List<String> entries = new ArrayList<>();
        try (Stream<Path> copies = Files.list(classPath()).sorted()) {
            copies.filter(p -> !p.getFileName().toString().equals("jna-tmp")).forEach(p -> entries.add(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Copies every entry of the test class path (directories and jars) into one readable directory, once. */
    private static synchronized Path classPath() {
        if (classPath != null) {
            return classPath;
        }
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try {
            Path dir = Files.createTempDirectory("livetune-it-classpath",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir))); // also if the copy fails
            int index = 0;
            for (String entry : path.split(File.pathSeparator)) {
                Path source = Path.of(entry);
                if (!Files.exists(source)) {
                    continue;
                }
                // Numbered, so that the order of the class path is kept.
                String name = String.format("%03d-%s", index++, source.getFileName());
                copyReadable(source, dir.resolve(name));
            }
            Path jnaTmp = Files.createDirectory(dir.resolve("jna-tmp"));
            Files.setPosixFilePermissions(jnaTmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            classPath = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the class path for a child executor", e);
        }
    }

    private static void copyReadable(Path source, Path target) throws IOException {
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path from : (Iterable<Path>) tree::iterator) {
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> tree = Files.walk(dir)) {
            tree.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
