package io.livetune.executor.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JNA's native part, unpacked once into the cache directory executor_run.sh names, and loaded from there. */
class JnaBootLibraryTest {

    @Test
    void unpacksTheJarsLibraryOnceForUsAlone(@TempDir Path cache) throws IOException {
        Path directory = cache.resolve("jna");
        Path library = JnaBootLibrary.unpack(directory, Architecture.current()).orElseThrow();

        assertEquals(directory.resolve("libjnidispatch.so"), library);
        try (InputStream jar = JnaBootLibrary.class.getResourceAsStream(
                "/com/sun/jna/" + Architecture.current().jnaNativeDirectory() + "/libjnidispatch.so")) {
            assertArrayEquals(jar.readAllBytes(), Files.readAllBytes(library), "the jar's bytes");
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(library)));
        try (var left = Files.list(directory)) {
            assertEquals(List.of(library), left.toList(), "no partial file left behind");
        }

        Object inode = Files.readAttributes(library, "unix:ino").get("ino");
        JnaBootLibrary.unpack(directory, Architecture.current());
        assertEquals(inode, Files.readAttributes(library, "unix:ino").get("ino"), "the second run writes nothing");
    }

    @Test
    void jnaLoadsItFromThereInAFreshJvm(@TempDir Path cache) throws Exception {
        Path directory = cache.resolve("jna");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process executor = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "-D" + JnaBootLibrary.DIRECTORY_PROPERTY + "=" + directory,
                "-Djna.debug_load.jna=true", "io.livetune.executor.Main", "ansible", "socket_info")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        executor.getOutputStream().write(("{\"pid\": [" + ProcessHandle.current().pid() + "]}")
                .getBytes(StandardCharsets.UTF_8));
        executor.getOutputStream().close();
        String log = new String(executor.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(executor.waitFor(60, TimeUnit.SECONDS), "the executor ended");
        // JNA's own log (jna.debug_load.jna), not ours, says where it loaded its native part from
        assertTrue(log.contains("Found jnidispatch at " + directory.resolve("libjnidispatch.so")), log);
    }
}
