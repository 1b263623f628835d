package io.livetune.executor.it;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.nio.ByteOrder;

/**
 * The executor as on a kernel without pidfd_open (before 5.3) and pidfd_getfd (before 5.6):
 * in the surefire run that sets {@value #PROPERTY} (see java-executor/pom.xml), every executor
 * run is a child JVM ({@link #main}) in which a seccomp filter, synchronised to every thread,
 * makes both calls fail with ENOSYS, exactly what such a kernel answers. Not the test JVM
 * itself: the targets it starts would inherit the filter, and a tracer that is itself under
 * seccomp may not suspend a target's filter, which no old kernel would refuse.
 */
public final class WithoutPidfd {
    static final String PROPERTY = "livetune.it.without_pidfd";

    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final int SYS_PIDFD_OPEN = 434; // the same on x86_64 and aarch64
    private static final int SYS_PIDFD_GETFD = 438;
    private static final int ENOSYS = 38;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    private static final int SECCOMP_RET_ERRNO = 0x00050000;
    // classic BPF opcodes (linux/filter.h)
    private static final short LD_W_ABS = 0x20;
    private static final short JEQ_K = 0x15;
    private static final short RET_K = 0x06;

    private interface Libc extends Library {
        Libc INSTANCE = Native.load("c", Libc.class);

        int prctl(int option, long arg2, long arg3, long arg4, long arg5);

        long syscall(long number, long arg1, long arg2, Pointer arg3);

        int close(int fd);
    }

    private WithoutPidfd() {
    }

    /** Whether this surefire run plays a kernel without pidfd. */
    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** The child JVM: installs the filter, then runs the executor's command line. */
    public static void main(String[] args) {
        install();
        System.exit(io.livetune.executor.Main.run(args, System.in, System.out, System.err));
    }

    /**
     * Runs the executor with these arguments and streams: in this JVM, or in the run without
     * pidfd, in a child JVM under the filter ({@code started} receives it, to stop it early).
     */
    static int runMain(String[] argv, byte[] stdin, PrintStream stdout, PrintStream stderr,
            Consumer<Process> started) {
        if (!requested()) {
            return io.livetune.executor.Main.run(argv, new ByteArrayInputStream(stdin), stdout, stderr);
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", // as the jar's manifest: JDK 24+ warns on stderr otherwise
                "-cp", classPath,
                WithoutPidfd.class.getName()));
        command.addAll(List.of(argv));
        try {
            Process child = new ProcessBuilder(command).start();
            started.accept(child);
            Thread out = copy(child.getInputStream(), stdout);
            Thread err = copy(child.getErrorStream(), stderr);
            try (OutputStream in = child.getOutputStream()) {
                in.write(stdin);
            }
            int status = child.waitFor();
            out.join();
            err.join();
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the executor ran", e);
        }
    }

    private static Thread copy(InputStream from, PrintStream to) {
        Thread thread = new Thread(() -> {
            try {
                from.transferTo(to);
                to.flush();
            } catch (IOException e) {
                // the child ended: nothing more to copy
            }
        }, "executor-output");
        thread.start();
        return thread;
    }

    private static void install() {
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        int auditArch = arm ? 0xC00000B7 : 0xC000003E;
        long seccompSyscall = arm ? 277 : 317;
        // seccomp_data: int nr at offset 0, __u32 arch at offset 4
        int[][] program = {
            {LD_W_ABS, 0, 0, 4},
            {JEQ_K, 0, 4, auditArch},        // another ABI: allow (to 6)
            {LD_W_ABS, 0, 0, 0},
            {JEQ_K, 1, 0, SYS_PIDFD_OPEN},   // to 5
            {JEQ_K, 0, 1, SYS_PIDFD_GETFD},  // to 5, else to 6
            {RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS},
            {RET_K, 0, 0, SECCOMP_RET_ALLOW},
        };
        Memory filter = new Memory(8L * program.length);
        ByteBuffer bytes = filter.getByteBuffer(0, filter.size()).order(ByteOrder.nativeOrder());
        for (int[] instruction : program) {
            bytes.putShort((short) instruction[0]).put((byte) instruction[1]).put((byte) instruction[2])
                    .putInt(instruction[3]);
        }
        Memory fprog = new Memory(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        fprog.setShort(0, (short) program.length);
        fprog.setPointer(8, filter);
        if (Libc.INSTANCE.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            throw new IllegalStateException("prctl(PR_SET_NO_NEW_PRIVS) failed: errno " + Native.getLastError());
        }
        if (Libc.INSTANCE.syscall(seccompSyscall, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog) != 0) {
            throw new IllegalStateException("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) failed: errno "
                    + Native.getLastError());
        }
    }

    /** Whether the executor finds pidfd_open (false on old kernels and in the run without pidfd). */
    static boolean pidfdAvailable() {
        if (requested()) {
            return false;
        }
        long fd = Libc.INSTANCE.syscall(SYS_PIDFD_OPEN, ProcessHandle.current().pid(), 0, null);
        if (fd < 0) {
            return false;
        }
        Libc.INSTANCE.close((int) fd);
        return true;
    }
}
