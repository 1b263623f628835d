package io.livetune.executor.nativeio;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The machines livetune runs on, and everything that differs between them: the one table of
 * architecture facts. The register layouts (inject.RegisterLayout), the injected calls
 * (inject.Syscall), the JNA natives the jar keeps (java-executor/pom.xml) and the machines the
 * action plugin accepts (executor_run.sh, executor.py) all follow it; ArchitectureTableTest
 * checks the files that cannot read it.
 */
public enum Architecture {
    // Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl. struct stat:
    // arch/x86/include/uapi/asm/stat.h (dev, ino, nlink as 8 bytes, then mode).
    X86_64(List.of("x86_64", "amd64"), "linux-x86-64", 8, 24, PtraceEngine.VERIFIED, Map.ofEntries(
            Map.entry("fstat", 5L), Map.entry("close", 3L), Map.entry("fcntl", 72L), Map.entry("getpid", 39L),
            Map.entry("mmap", 9L), Map.entry("munmap", 11L), Map.entry("mlock", 149L), Map.entry("munlock", 150L),
            Map.entry("mlockall", 151L), Map.entry("munlockall", 152L), Map.entry("mlock2", 325L),
            Map.entry("listen", 50L), Map.entry("setsockopt", 54L), Map.entry("getsockopt", 55L),
            Map.entry("rt_tgsigqueueinfo", 297L), Map.entry("kcmp", 312L))),
    // Syscall numbers: include/uapi/asm-generic/unistd.h. struct stat:
    // include/uapi/asm-generic/stat.h (dev, ino, then mode; nlink is 4 bytes and follows).
    AARCH64(List.of("aarch64", "arm64"), "linux-aarch64", 8, 16, PtraceEngine.UNVERIFIED, Map.ofEntries(
            Map.entry("fstat", 80L), Map.entry("close", 57L), Map.entry("fcntl", 25L), Map.entry("getpid", 172L),
            Map.entry("mmap", 222L), Map.entry("munmap", 215L), Map.entry("mlock", 228L), Map.entry("munlock", 229L),
            Map.entry("mlockall", 230L), Map.entry("munlockall", 231L), Map.entry("mlock2", 284L),
            Map.entry("listen", 201L), Map.entry("setsockopt", 208L), Map.entry("getsockopt", 209L),
            Map.entry("rt_tgsigqueueinfo", 240L), Map.entry("kcmp", 272L)));

    /**
     * Whether the ptrace engine (inject.Injector) has passed its suites on a real kernel of the
     * machine: it stops threads of production processes, so having compiled and had its register
     * layout unit-tested is not enough. The result that flips a row is in docs/portability.md
     * (build-aux/vm/run-suites.sh runs the suites in a virtual machine of that architecture).
     */
    public enum PtraceEngine {
        VERIFIED, UNVERIFIED
    }

    /** pidfd_open and pidfd_getfd came after the tables were unified: the same number everywhere. */
    static final long PIDFD_OPEN = 434;
    static final long PIDFD_GETFD = 438;
    /** Big enough for struct stat on every architecture above. */
    static final int STAT_SIZE = 256;

    private final List<String> names;
    private final String jnaNativeDirectory;
    final int inodeOffset;
    final int modeOffset;
    private final PtraceEngine ptraceEngine;
    private final Map<String, Long> syscalls;

    Architecture(List<String> names, String jnaNativeDirectory, int inodeOffset, int modeOffset,
            PtraceEngine ptraceEngine, Map<String, Long> syscalls) {
        this.names = names;
        this.jnaNativeDirectory = jnaNativeDirectory;
        this.inodeOffset = inodeOffset;
        this.modeOffset = modeOffset;
        this.ptraceEngine = ptraceEngine;
        this.syscalls = syscalls;
    }

    /** The machine this JVM runs on. */
    public static Architecture current() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        for (Architecture architecture : values()) {
            if (architecture.names.contains(arch)) {
                return architecture;
            }
        }
        throw new UnsupportedOperationException("livetune supports " + supported() + ", not " + arch);
    }

    /** "x86_64 and aarch64". */
    public static String supported() {
        return X86_64.canonicalName() + " and " + AARCH64.canonicalName();
    }

    /** As uname -m prints it: "x86_64". */
    public String canonicalName() {
        return names.get(0);
    }

    /** Every name uname -m or os.arch gives this machine. */
    public List<String> names() {
        return names;
    }

    /** Where the JNA jar keeps its native library for this machine ("linux-x86-64"). */
    public String jnaNativeDirectory() {
        return jnaNativeDirectory;
    }

    /** Whether the ptrace engine has run its suites on a kernel of this machine. */
    public PtraceEngine ptraceEngine() {
        return ptraceEngine;
    }

    /** The number of system call {@code name} (as in the man pages: "mlockall"). */
    public long syscall(String name) {
        Long number = syscalls.get(name);
        if (number == null) {
            throw new IllegalArgumentException("no number for system call " + name + " on " + canonicalName());
        }
        return number;
    }

    /** The system calls this table knows, by name. */
    public java.util.Set<String> syscallNames() {
        return syscalls.keySet();
    }
}
