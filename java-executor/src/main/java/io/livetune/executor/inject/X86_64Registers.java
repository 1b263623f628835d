package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Architecture;

/**
 * x86_64: struct user_regs_struct (arch/x86/include/asm/user_64.h), 27 eight-byte fields.
 * A system call takes its number in rax and arguments in rdi, rsi, rdx, r10, r8, r9, and
 * returns in rax; the instruction itself clobbers rcx and r11 (restored with the rest).
 */
public final class X86_64Registers implements RegisterLayout {
    public static final X86_64Registers INSTANCE = new X86_64Registers();

    // Byte offsets: field index * 8, in the order of struct user_regs_struct.
    static final int R15 = 0;
    static final int R14 = 8;
    static final int R13 = 16;
    static final int R12 = 24;
    static final int RBP = 32;
    static final int RBX = 40;
    static final int R11 = 48;
    static final int R10 = 56;
    static final int R9 = 64;
    static final int R8 = 72;
    static final int RAX = 80;
    static final int RCX = 88;
    static final int RDX = 96;
    static final int RSI = 104;
    static final int RDI = 112;
    static final int ORIG_RAX = 120;
    static final int RIP = 128;
    static final int CS = 136;
    static final int EFLAGS = 144;
    static final int RSP = 152;
    static final int SS = 160;
    static final int FS_BASE = 168;
    static final int GS_BASE = 176;
    static final int SIZE = 27 * 8;

    private static final int[] ARGUMENTS = {RDI, RSI, RDX, R10, R8, R9};

    private X86_64Registers() {
    }

    @Override
    public String name() {
        return "x86_64";
    }

    @Override
    public int size() {
        return SIZE;
    }

    @Override
    public byte[] syscallInstruction() {
        return new byte[] {0x0f, 0x05};
    }

    @Override
    public int instructionAlignment() {
        return 1;
    }

    @Override
    public long syscallNumber(Syscall call) {
        return call.number(Architecture.X86_64);
    }

    @Override
    public long pc(byte[] regs) {
        return RegisterBytes.get(regs, RIP);
    }

    @Override
    public long sp(byte[] regs) {
        return RegisterBytes.get(regs, RSP);
    }

    @Override
    public byte[] callRegisters(byte[] saved, long site, long number, long... args) {
        RegisterBytes.checkSize(saved, SIZE, name());
        if (args.length > ARGUMENTS.length) {
            throw new IllegalArgumentException("a system call takes at most 6 arguments, not " + args.length);
        }
        byte[] regs = saved.clone();
        RegisterBytes.put(regs, RAX, number);
        // orig_rax = -1 tells the kernel this thread is not inside a system call. The stop
        // may have interrupted one (a read, nanosleep, futex wait): the kernel's restart
        // logic runs on the registers it finds when the thread resumes, and with the
        // interrupted call's orig_rax it would "restart" by rewinding rip by 2 and putting
        // orig_rax back into rax, i.e. run the interrupted call instead of ours. The saved
        // orig_rax is put back afterwards, so that restart then happens as it should.
        RegisterBytes.put(regs, ORIG_RAX, -1L);
        RegisterBytes.put(regs, RIP, site);
        for (int i = 0; i < args.length; i++) {
            RegisterBytes.put(regs, ARGUMENTS[i], args[i]);
        }
        return regs;
    }

    @Override
    public long result(byte[] regs) {
        return RegisterBytes.get(regs, RAX);
    }

    @Override
    public int redZone() {
        return 128;
    }

    @Override
    public boolean hasSyscallNumberRegset() {
        return false;
    }
}
