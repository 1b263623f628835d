package io.livetune.executor.procfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Reads /proc/sys. Those files report size 0 and only answer a read at offset 0, so
 * Files.readAllBytes gets one byte of them ("4" of "4194304"): read once, into a buffer
 * big enough for any value.
 */
public final class Sysctl {
    private static final int MAX_VALUE_LENGTH = 4096;

    private Sysctl() {
    }

    /** The value of a sysctl by its dotted name ("net.core.rmem_max"), trimmed; null when absent. */
    public static String read(String dottedName) throws IOException {
        Path path = Paths.get("/proc/sys", dottedName.replace('.', '/'));
        byte[] buffer = new byte[MAX_VALUE_LENGTH];
        try (InputStream in = Files.newInputStream(path)) {
            int length = in.read(buffer);
            return length <= 0 ? "" : new String(buffer, 0, length, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The value, or {@code fallback} when the sysctl does not exist or cannot be read. */
    public static String readOr(String dottedName, String fallback) {
        try {
            String value = read(dottedName);
            return value == null ? fallback : value;
        } catch (IOException e) {
            return fallback;
        }
    }
}
