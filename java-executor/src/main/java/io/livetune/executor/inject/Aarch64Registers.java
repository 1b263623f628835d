package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Architecture;

/**
 * aarch64: struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): x0..x30, sp, pc,
 * pstate. A system call (svc #0) takes its number in x8 and arguments in x0..x5, and
 * returns in x0.
 *
 * <p>The number of the call a stopped thread was in lives outside these registers, in the
 * NT_ARM_SYSTEM_CALL regset: the engine sets it to -1 for the injected call (the kernel
 * must not treat the thread as being inside a call it would restart) and restores it.
 * arm64 rewinds an interrupted call for restart (x0 = orig_x0, pc -= 4) before the
 * signal/ptrace stop, so the saved registers already hold the restart and putting them
 * back is enough.
 */
public final class Aarch64Registers implements RegisterLayout {
    public static final Aarch64Registers INSTANCE = new Aarch64Registers();

    static final int X0 = 0;
    static final int X8 = 8 * 8;
    static final int SP = 31 * 8;
    static final int PC = 32 * 8;
    static final int PSTATE = 33 * 8;
    static final int SIZE = 34 * 8;

    private Aarch64Registers() {
    }

    @Override
    public String name() {
        return "aarch64";
    }

    @Override
    public int size() {
        return SIZE;
    }

    /** svc #0 = 0xd4000001, stored little endian. */
    @Override
    public byte[] syscallInstruction() {
        return new byte[] {0x01, 0x00, 0x00, (byte) 0xd4};
    }

    @Override
    public int instructionAlignment() {
        return 4;
    }

    @Override
    public long syscallNumber(Syscall call) {
        return call.number(Architecture.AARCH64);
    }

    @Override
    public long pc(byte[] regs) {
        return RegisterBytes.get(regs, PC);
    }

    @Override
    public long sp(byte[] regs) {
        return RegisterBytes.get(regs, SP);
    }

    /** The offset of general register xN. */
    static int x(int n) {
        if (n < 0 || n > 30) {
            throw new IllegalArgumentException("no register x" + n);
        }
        return n * 8;
    }

    @Override
    public byte[] callRegisters(byte[] saved, long site, long number, long... args) {
        RegisterBytes.checkSize(saved, SIZE, name());
        if (args.length > 6) {
            throw new IllegalArgumentException("a system call takes at most 6 arguments, not " + args.length);
        }
        byte[] regs = saved.clone();
        RegisterBytes.put(regs, X8, number);
        RegisterBytes.put(regs, PC, site);
        for (int i = 0; i < args.length; i++) {
            RegisterBytes.put(regs, x(i), args[i]);
        }
        return regs;
    }

    @Override
    public long result(byte[] regs) {
        return RegisterBytes.get(regs, X0);
    }

    /** AAPCS64 has no red zone; the engine keeps 128 bytes free anyway, which costs nothing. */
    @Override
    public int redZone() {
        return 128;
    }

    @Override
    public boolean hasSyscallNumberRegset() {
        return true;
    }
}
