package io.livetune.executor.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;

/**
 * {@link PtraceCalls} through JNA direct mapping of glibc's wrappers (ptrace, waitpid,
 * process_vm_readv, tgkill, rt_tgsigqueueinfo): glibc knows each architecture's syscall numbers, so
 * nothing here depends on the CPU. Pointers are passed as plain {@code long} addresses of
 * JNA {@link Memory} blocks, which keeps the variadic ptrace(2) prototype simple.
 */
final class JnaPtraceCalls implements PtraceCalls {
    static final JnaPtraceCalls INSTANCE = new JnaPtraceCalls();

    // include/uapi/linux/ptrace.h
    private static final int PTRACE_CONT = 7;
    private static final int PTRACE_SINGLESTEP = 9;
    private static final int PTRACE_DETACH = 17;
    private static final int PTRACE_GETSIGINFO = 0x4202;
    private static final int PTRACE_SETSIGINFO = 0x4203;
    private static final int PTRACE_GETREGSET = 0x4204;
    private static final int PTRACE_SETREGSET = 0x4205;
    private static final int PTRACE_SEIZE = 0x4206;
    private static final int PTRACE_INTERRUPT = 0x4207;

    private static final Architecture ARCHITECTURE = Architecture.current();
    private static final int IOVEC_SIZE = 16;
    private static final int EFAULT = 14;

    /** The raw libc symbols; the outer class turns their errno into {@link ErrnoException}. */
    private static final class Libc {
        static {
            Native.register(Libc.class, ProcessLibc.get());
        }

        // long ptrace(enum __ptrace_request request, pid_t pid, void *addr, void *data): variadic in glibc,
        // but it reads exactly these integer-class arguments, which the fixed-arity call passes the same way.
        static native long ptrace(int request, int pid, long addr, long data) throws LastErrorException;

        static native int waitpid(int pid, int[] status, int options) throws LastErrorException;

        static native long process_vm_readv(int pid, long localIov, long localCount, long remoteIov,
                long remoteCount, long flags) throws LastErrorException;

        static native long process_vm_writev(int pid, long localIov, long localCount, long remoteIov,
                long remoteCount, long flags) throws LastErrorException;

        static native int tgkill(int tgid, int tid, int signal) throws LastErrorException;

        // glibc has no rt_tgsigqueueinfo wrapper; syscall() reads six register arguments whatever we pass.
        static native long syscall(long number, long tgid, long tid, long signal, byte[] siginfo)
                throws LastErrorException;

        static native String strerror(int errnum);
    }

    private JnaPtraceCalls() {
    }

    private static ErrnoException failure(String call, LastErrorException e) {
        return new ErrnoException(call, e.getErrorCode(), Libc.strerror(e.getErrorCode()));
    }

    private static void ptrace(String name, int request, int tid, long addr, long data) throws ErrnoException {
        try {
            Libc.ptrace(request, tid, addr, data);
        } catch (LastErrorException e) {
            throw failure(name + "(" + tid + ")", e);
        }
    }

    @Override
    public void seize(int tid, long options) throws ErrnoException {
        ptrace("ptrace(PTRACE_SEIZE)", PTRACE_SEIZE, tid, 0, options);
    }

    @Override
    public void interrupt(int tid) throws ErrnoException {
        ptrace("ptrace(PTRACE_INTERRUPT)", PTRACE_INTERRUPT, tid, 0, 0);
    }

    @Override
    public byte[] getRegset(int tid, int nt, int size) throws ErrnoException {
        Memory block = new Memory(IOVEC_SIZE + size);
        block.clear();
        Pointer regs = block.share(IOVEC_SIZE);
        block.setLong(0, Pointer.nativeValue(regs));
        block.setLong(8, size);
        ptrace("ptrace(PTRACE_GETREGSET, " + nt + ")", PTRACE_GETREGSET, tid, nt, Pointer.nativeValue(block));
        // The kernel shortens iov_len to what it wrote; a shorter set than we expect is a layout bug.
        long written = block.getLong(8);
        if (written != size) {
            throw new ErrnoException("ptrace(PTRACE_GETREGSET, " + nt + ") returned " + written + " bytes, expected "
                    + size, Errno.EINVAL, "unexpected register set size");
        }
        return regs.getByteArray(0, size);
    }

    @Override
    public void setRegset(int tid, int nt, byte[] values) throws ErrnoException {
        Memory block = new Memory(IOVEC_SIZE + values.length);
        Pointer regs = block.share(IOVEC_SIZE);
        regs.write(0, values, 0, values.length);
        block.setLong(0, Pointer.nativeValue(regs));
        block.setLong(8, values.length);
        ptrace("ptrace(PTRACE_SETREGSET, " + nt + ")", PTRACE_SETREGSET, tid, nt, Pointer.nativeValue(block));
        Reference.reachabilityFence(block); // the kernel read it: keep JNA from freeing it earlier
    }

    @Override
    public byte[] getSiginfo(int tid) throws ErrnoException {
        Memory siginfo = new Memory(SIGINFO_SIZE);
        siginfo.clear();
        ptrace("ptrace(PTRACE_GETSIGINFO)", PTRACE_GETSIGINFO, tid, 0, Pointer.nativeValue(siginfo));
        return siginfo.getByteArray(0, SIGINFO_SIZE);
    }

    @Override
    public void setSiginfo(int tid, byte[] siginfo) throws ErrnoException {
        Memory block = new Memory(SIGINFO_SIZE);
        block.clear();
        block.write(0, siginfo, 0, Math.min(siginfo.length, SIGINFO_SIZE));
        ptrace("ptrace(PTRACE_SETSIGINFO)", PTRACE_SETSIGINFO, tid, 0, Pointer.nativeValue(block));
        Reference.reachabilityFence(block); // the kernel read it: keep JNA from freeing it earlier
    }

    @Override
    public void singleStep(int tid, int signal) throws ErrnoException {
        ptrace("ptrace(PTRACE_SINGLESTEP)", PTRACE_SINGLESTEP, tid, 0, signal);
    }

    @Override
    public void cont(int tid, int signal) throws ErrnoException {
        ptrace("ptrace(PTRACE_CONT)", PTRACE_CONT, tid, 0, signal);
    }

    @Override
    public void detach(int tid, int signal) throws ErrnoException {
        ptrace("ptrace(PTRACE_DETACH)", PTRACE_DETACH, tid, 0, signal);
    }

    @Override
    public WaitStatus waitpid(int tid, int flags) throws ErrnoException {
        int[] status = new int[1];
        int pid;
        try {
            pid = Libc.waitpid(tid, status, flags | WALL);
        } catch (LastErrorException e) {
            throw failure("waitpid(" + tid + ")", e);
        }
        return pid == 0 ? null : new WaitStatus(pid, status[0]);
    }

    @Override
    public byte[] readMemory(int pid, long address, int length) throws ErrnoException {
        Memory block = new Memory(2L * IOVEC_SIZE + length);
        Pointer local = block.share(2L * IOVEC_SIZE);
        block.setLong(0, Pointer.nativeValue(local));
        block.setLong(8, length);
        block.setLong(16, address);
        block.setLong(24, length);
        long done;
        try {
            done = Libc.process_vm_readv(pid, Pointer.nativeValue(block), 1, Pointer.nativeValue(block) + IOVEC_SIZE,
                    1, 0);
        } catch (LastErrorException e) {
            throw failure("process_vm_readv(" + pid + ", 0x" + Long.toHexString(address) + ")", e);
        }
        return local.getByteArray(0, (int) done);
    }

    @Override
    public void writeMemory(int pid, long address, byte[] bytes) throws ErrnoException {
        Memory block = new Memory(2L * IOVEC_SIZE + bytes.length);
        Pointer local = block.share(2L * IOVEC_SIZE);
        local.write(0, bytes, 0, bytes.length);
        block.setLong(0, Pointer.nativeValue(local));
        block.setLong(8, bytes.length);
        block.setLong(16, address);
        block.setLong(24, bytes.length);
        long done;
        try {
            done = Libc.process_vm_writev(pid, Pointer.nativeValue(block), 1,
                    Pointer.nativeValue(block) + IOVEC_SIZE, 1, 0);
        } catch (LastErrorException e) {
            throw failure("process_vm_writev(" + pid + ", 0x" + Long.toHexString(address) + ")", e);
        }
        if (done != bytes.length) {
            throw new ErrnoException("process_vm_writev(" + pid + ", 0x" + Long.toHexString(address) + ") wrote "
                    + done + " of " + bytes.length + " bytes", EFAULT, "partial write");
        }
        Reference.reachabilityFence(block);
    }

    @Override
    public void tgkill(int tgid, int tid, int signal) throws ErrnoException {
        try {
            Libc.tgkill(tgid, tid, signal);
        } catch (LastErrorException e) {
            throw failure("tgkill(" + tgid + ", " + tid + ", " + signal + ")", e);
        }
    }

    @Override
    public void queueSignal(int tgid, int tid, int signal, byte[] siginfo) throws ErrnoException {
        try {
            Libc.syscall(ARCHITECTURE.syscall("rt_tgsigqueueinfo"), tgid, tid, signal, siginfo);
        } catch (LastErrorException e) {
            throw failure("rt_tgsigqueueinfo(" + tgid + ", " + tid + ", " + signal + ")", e);
        }
    }

}
