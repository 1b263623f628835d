package io.livetune.executor.modules.preload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The host that preload_wrapper writes to, as the module sees it: where its file system
 * starts, which machine it is, which preload libraries this executor carries, and how to
 * reach systemd. {@link #live()} is the real one; the integration tests make others (a
 * temporary directory as the root, a machine the executor has no build for, a stand-in
 * library), so that the module's logic runs against real files without touching /etc.
 */
public final class PreloadHost {
    /** The resource each build of the shim is carried in, by machine (uname -m). */
    static final String RESOURCE = "/native/%s/liblivetune_preload.so";

    private final Path root;
    private final String machine;
    private final Function<String, byte[]> libraries;
    private final List<String> daemonReload;

    private PreloadHost(Path root, String machine, Function<String, byte[]> libraries, List<String> daemonReload) {
        this.root = root;
        this.machine = machine;
        this.libraries = libraries;
        this.daemonReload = daemonReload;
    }

    /** This host: the root file system, the JVM's machine, the libraries in this jar, systemctl. */
    public static PreloadHost live() {
        return new PreloadHost(Paths.get("/"), machineOf(System.getProperty("os.arch")), PreloadHost::bundled,
                List.of("systemctl", "daemon-reload"));
    }

    /**
     * A host for tests: {@code root} stands for "/", {@code libraries} maps a machine to the
     * library's bytes (a missing key is a machine without a build), and {@code daemonReload}
     * is the command run for systemctl daemon-reload where {@code root}/run/systemd/system exists.
     */
    public static PreloadHost of(Path root, String machine, Map<String, byte[]> libraries, List<String> daemonReload) {
        return new PreloadHost(root, machine, libraries::get, List.copyOf(daemonReload));
    }

    /** uname -m's name for a JVM's os.arch. */
    static String machineOf(String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "x86_64";
            case "arm64":
            case "aarch64":
                return "aarch64";
            default:
                return arch;
        }
    }

    /** The library built for {@code machine}, as this jar carries it, or null. */
    static byte[] bundled(String machine) {
        try (InputStream in = PreloadHost.class.getResourceAsStream(String.format(RESOURCE, machine))) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String machine() {
        return machine;
    }

    /** The library for this host's machine, or null when the executor has no build for it. */
    byte[] library() {
        return libraries.apply(machine);
    }

    /** Where an absolute path of the host is in our file system. */
    Path path(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /** The host's absolute path of a file of our file system under the root. */
    String hostPath(Path local) {
        return "/" + root.relativize(local).toString();
    }

    /**
     * Follows symbolic links the way the host would, within the root (an absolute link
     * target is the host's path). Returns the host path of the final file, which may not exist.
     */
    String resolve(String absolute) throws IOException {
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(absolute.split("/")));
        String resolved = "/";
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.pollFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                resolved = resolved.lastIndexOf('/') <= 0 ? "/" : resolved.substring(0, resolved.lastIndexOf('/'));
                continue;
            }
            String next = resolved.equals("/") ? "/" + name : resolved + "/" + name;
            Path local = path(next);
            if (!Files.isSymbolicLink(local)) {
                resolved = next;
                continue;
            }
            if (++links > 40) {
                throw new IOException(absolute + ": too many levels of symbolic links");
            }
            String target = Files.readSymbolicLink(local).toString();
            List<String> parts = List.of(target.split("/"));
            for (int i = parts.size() - 1; i >= 0; i--) {
                todo.addFirst(parts.get(i));
            }
            if (target.startsWith("/")) {
                resolved = "/";
            }
        }
        return resolved;
    }

    /** sd_booted(): systemd runs as the init system when /run/systemd/system exists. */
    boolean systemdRunning() {
        return Files.isDirectory(path("/run/systemd/system"), LinkOption.NOFOLLOW_LINKS);
    }

    /** Runs systemctl daemon-reload; returns null on success, else what went wrong. */
    String daemonReload() {
        List<String> command = new ArrayList<>(daemonReload);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " did not finish within 120 s";
            }
            return process.exitValue() == 0 ? null
                    : String.join(" ", command) + " exited " + process.exitValue() + ": " + output.strip();
        } catch (IOException e) {
            return "cannot run " + String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", command) + " was interrupted";
        }
    }
}
