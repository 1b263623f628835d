package io.livetune.executor.resident;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What makes a file the same file: device and inode, size and modification time. The resident
 * compares its jar and its socket against what they were when it started: a jar replaced by an
 * update, or a socket removed or bound again by someone else, ends it.
 */
record FileIdentity(Object key, long size, FileTime modified) {
    /** The file's identity now, or null when it is gone or unreadable. */
    static FileIdentity of(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return new FileIdentity(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime());
        } catch (IOException e) {
            return null;
        }
    }
}
