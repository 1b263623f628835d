package io.livetune.executor.nativeio;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library every direct-mapped binding of this package registers against: the one
 * already loaded into this JVM's process (JNA opens the process itself for libc on Linux,
 * dlopen(NULL)), so no library path is searched.
 */
final class ProcessLibc {
    private static final String PLATFORM_PATH = "jna.platform.library.path";

    private ProcessLibc() {
    }

    static NativeLibrary get() {
        // Unless this property is set, JNA's NativeLibrary initialiser runs "/sbin/ldconfig -p"
        // to learn the system's library directories: a fork and exec on every executor run,
        // ~10 ms of each Ansible task, for paths that libc (taken from the process) never uses.
        if (System.getProperty(PLATFORM_PATH) == null) {
            System.setProperty(PLATFORM_PATH, "");
        }
        return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
    }
}
