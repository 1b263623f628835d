package io.livetune.executor.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;

/** {@link ResourceLimits} through JNA direct mapping of glibc's prlimit. */
final class JnaResourceLimits implements ResourceLimits {
    static final JnaResourceLimits INSTANCE = new JnaResourceLimits();
    /** struct rlimit: two rlim_t (64-bit on both machines). */
    private static final int RLIMIT_SIZE = 16;

    private static final class Libc {
        static {
            Native.register(Libc.class, ProcessLibc.get());
        }

        static native int prlimit(int pid, int resource, long newLimit, long oldLimit) throws LastErrorException;

        static native String strerror(int errnum);
    }

    private static ErrnoException failure(String call, LastErrorException e) {
        return new ErrnoException(call, e.getErrorCode(), Libc.strerror(e.getErrorCode()));
    }

    private JnaResourceLimits() {
    }

    @Override
    public Rlimit get(int pid, int resource) throws ErrnoException {
        Memory old = new Memory(RLIMIT_SIZE);
        try {
            Libc.prlimit(pid, resource, 0, Pointer.nativeValue(old));
        } catch (LastErrorException e) {
            throw failure("prlimit(" + pid + ", resource " + resource + ")", e);
        }
        return new Rlimit(old.getLong(0), old.getLong(8));
    }

    @Override
    public void set(int pid, int resource, Rlimit limit) throws ErrnoException {
        Memory block = new Memory(RLIMIT_SIZE);
        block.setLong(0, limit.soft());
        block.setLong(8, limit.hard());
        try {
            Libc.prlimit(pid, resource, Pointer.nativeValue(block), 0);
        } catch (LastErrorException e) {
            throw failure("prlimit(" + pid + ", resource " + resource + ", set)", e);
        } finally {
            Reference.reachabilityFence(block);
        }
    }
}
