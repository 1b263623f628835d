package io.livetune.executor.nativeio;

/** kcmp(2)'s comparison types, from include/uapi/linux/kcmp.h. */
public final class LinuxKcmp {
    /** Whether two descriptors, of two processes, refer to the same open file description. */
    public static final int KCMP_FILE = 0;

    private LinuxKcmp() {
    }
}
