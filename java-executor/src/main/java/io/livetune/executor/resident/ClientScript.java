package io.livetune.executor.resident;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Puts the client (resources/resident/client.py) beside the socket, 0600, written then renamed. */
final class ClientScript {
    private ClientScript() {
    }

    static void install(Path dir) throws IOException {
        Path target = dir.resolve(Protocol.CLIENT);
        Path temporary = Files.createTempFile(dir, ".client", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (InputStream in = ClientScript.class.getResourceAsStream("/resident/" + Protocol.CLIENT)) {
            if (in == null) {
                throw new IOException("resident/" + Protocol.CLIENT + " is missing from the jar");
            }
            Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
