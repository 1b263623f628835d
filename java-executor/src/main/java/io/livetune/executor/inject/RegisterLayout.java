package io.livetune.executor.inject;

import io.livetune.executor.nativeio.Architecture;


/**
 * Where one architecture keeps the registers an injected system call needs, in the register
 * set that PTRACE_GETREGSET(NT_PRSTATUS) returns. Implementations work on copies of that
 * byte array and never touch a process: they are plain data and unit-tested as such.
 */
public interface RegisterLayout {

    /** "x86_64", "aarch64". */
    String name();

    /** Bytes of the NT_PRSTATUS register set (struct user_regs_struct / user_pt_regs). */
    int size();

    /** The machine code of the system-call instruction, as it appears in memory. */
    byte[] syscallInstruction();

    /** Instructions on this architecture start at multiples of this (x86_64: 1, aarch64: 4). */
    int instructionAlignment();

    long syscallNumber(Syscall call);

    long pc(byte[] regs);

    long sp(byte[] regs);

    /**
     * The registers for running system call {@code number} with {@code args} (at most six)
     * at the syscall instruction at {@code site}: a copy of {@code saved} with the call's
     * registers replaced. Everything else keeps its saved value.
     */
    byte[] callRegisters(byte[] saved, long site, long number, long... args);

    /** The call's return value (a negative errno on failure) after the instruction ran. */
    long result(byte[] regs);

    /**
     * Bytes below the stack pointer that the interrupted code may use without moving it
     * (the System V x86_64 red zone). Scratch memory goes below them.
     */
    int redZone();

    /**
     * Whether the interrupted call's number lives in a separate register set
     * (aarch64: NT_ARM_SYSTEM_CALL) that must be set to -1 for the injected call and restored.
     */
    boolean hasSyscallNumberRegset();

    /** The layout of the machine the executor runs on (targets have the same architecture). */
    static RegisterLayout current() {
        return of(Architecture.current());
    }

    static RegisterLayout of(Architecture architecture) {
        switch (architecture) {
            case X86_64:
                return X86_64Registers.INSTANCE;
            case AARCH64:
                return Aarch64Registers.INSTANCE;
            default:
                throw new IllegalStateException("no register layout for " + architecture); // a new table row
        }
    }
}
