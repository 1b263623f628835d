package io.livetune.executor.nativeio;

import java.util.Locale;

/**
 * What differs between the CPU architectures livetune runs on, for the calls that glibc does
 * not wrap the same way everywhere (or at all): the syscall numbers of fstat and
 * rt_tgsigqueueinfo, and where struct stat keeps the inode and mode.
 */
enum Architecture {
    // arch/x86/include/uapi/asm/stat.h: dev, ino, nlink (8 bytes), then mode.
    X86_64(5, 297, 8, 24),
    // include/uapi/asm-generic/stat.h: dev, ino, then mode (nlink is 4 bytes and follows).
    AARCH64(80, 240, 8, 16);

    final long fstatSyscall;
    final long rtTgsigqueueinfoSyscall;
    final int inodeOffset;
    final int modeOffset;

    /** Big enough for struct stat on every architecture above. */
    static final int STAT_SIZE = 256;

    Architecture(long fstatSyscall, long rtTgsigqueueinfoSyscall, int inodeOffset, int modeOffset) {
        this.fstatSyscall = fstatSyscall;
        this.rtTgsigqueueinfoSyscall = rtTgsigqueueinfoSyscall;
        this.inodeOffset = inodeOffset;
        this.modeOffset = modeOffset;
    }

    static Architecture current() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                return X86_64;
            case "aarch64":
            case "arm64":
                return AARCH64;
            default:
                throw new UnsupportedOperationException("livetune supports x86_64 and aarch64, not " + arch);
        }
    }
}
