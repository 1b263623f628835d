package io.livetune.executor.inject;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The register layouts as data: offsets from the kernel's structs, and what a call changes (only its registers). */
class RegisterLayoutTest {

    /** A register set whose field i holds 0x1111 * (i + 1), so every field is recognisable. */
    private static byte[] numbered(int size) {
        byte[] regs = new byte[size];
        for (int i = 0; i < size / 8; i++) {
            RegisterBytes.put(regs, i * 8, 0x1111L * (i + 1));
        }
        return regs;
    }

    private static void assertOnlyChanged(byte[] before, byte[] after, int... changedOffsets) {
        for (int offset = 0; offset < before.length; offset += 8) {
            boolean expectedChange = false;
            for (int changed : changedOffsets) {
                expectedChange |= changed == offset;
            }
            if (!expectedChange) {
                assertEquals(RegisterBytes.get(before, offset), RegisterBytes.get(after, offset),
                        "field at byte " + offset + " must keep its saved value");
            }
        }
    }

    @Test
    void x86_64MatchesUserRegsStruct() {
        X86_64Registers x86 = X86_64Registers.INSTANCE;
        assertEquals(216, x86.size(), "27 fields of 8 bytes");
        assertEquals(10 * 8, X86_64Registers.RAX);
        assertEquals(15 * 8, X86_64Registers.ORIG_RAX);
        assertEquals(16 * 8, X86_64Registers.RIP);
        assertEquals(19 * 8, X86_64Registers.RSP);
        assertArrayEquals(new byte[] {0x0f, 0x05}, x86.syscallInstruction());
        assertEquals(151, x86.syscallNumber(Syscall.MLOCKALL));
        assertEquals(152, x86.syscallNumber(Syscall.MUNLOCKALL));
        assertEquals(325, x86.syscallNumber(Syscall.MLOCK2));
    }

    @Test
    void x86_64CallRegistersSetNumberArgumentsSiteAndOrigRaxMinusOne() {
        X86_64Registers x86 = X86_64Registers.INSTANCE;
        byte[] saved = numbered(x86.size());
        byte[] copy = saved.clone();
        byte[] call = x86.callRegisters(saved, 0x7fff0000L, 151, 1, 2, 3, 4, 5, 6);
        assertArrayEquals(copy, saved, "the saved registers are not modified");
        assertEquals(151, RegisterBytes.get(call, X86_64Registers.RAX));
        assertEquals(-1, RegisterBytes.get(call, X86_64Registers.ORIG_RAX));
        assertEquals(0x7fff0000L, x86.pc(call));
        assertEquals(1, RegisterBytes.get(call, X86_64Registers.RDI));
        assertEquals(2, RegisterBytes.get(call, X86_64Registers.RSI));
        assertEquals(3, RegisterBytes.get(call, X86_64Registers.RDX));
        assertEquals(4, RegisterBytes.get(call, X86_64Registers.R10));
        assertEquals(5, RegisterBytes.get(call, X86_64Registers.R8));
        assertEquals(6, RegisterBytes.get(call, X86_64Registers.R9));
        assertOnlyChanged(saved, call, X86_64Registers.RAX, X86_64Registers.ORIG_RAX, X86_64Registers.RIP,
                X86_64Registers.RDI, X86_64Registers.RSI, X86_64Registers.RDX, X86_64Registers.R10, X86_64Registers.R8,
                X86_64Registers.R9);
        assertEquals(RegisterBytes.get(saved, X86_64Registers.RSP), x86.sp(call), "the stack pointer is kept");
        RegisterBytes.put(call, X86_64Registers.RAX, -12);
        assertEquals(-12, x86.result(call));
    }

    @Test
    void aarch64MatchesUserPtRegs() {
        Aarch64Registers arm = Aarch64Registers.INSTANCE;
        assertEquals(272, arm.size(), "x0..x30, sp, pc, pstate");
        assertEquals(248, Aarch64Registers.SP);
        assertEquals(256, Aarch64Registers.PC);
        assertEquals(264, Aarch64Registers.PSTATE);
        assertArrayEquals(new byte[] {0x01, 0x00, 0x00, (byte) 0xd4}, arm.syscallInstruction(), "svc #0, little endian");
        assertEquals(4, arm.instructionAlignment());
        assertEquals(230, arm.syscallNumber(Syscall.MLOCKALL));
        assertEquals(231, arm.syscallNumber(Syscall.MUNLOCKALL));
        assertEquals(228, arm.syscallNumber(Syscall.MLOCK));
        assertEquals(172, arm.syscallNumber(Syscall.GETPID));
        assertTrue(arm.hasSyscallNumberRegset(), "NT_ARM_SYSTEM_CALL holds the interrupted call's number");
    }

    @Test
    void aarch64CallRegistersSetX8ArgumentsAndPc() {
        Aarch64Registers arm = Aarch64Registers.INSTANCE;
        byte[] saved = numbered(arm.size());
        byte[] call = arm.callRegisters(saved, 0xffff8000L, 230, 3);
        assertEquals(230, RegisterBytes.get(call, Aarch64Registers.x(8)));
        assertEquals(3, RegisterBytes.get(call, Aarch64Registers.x(0)));
        assertEquals(0xffff8000L, arm.pc(call));
        assertOnlyChanged(saved, call, Aarch64Registers.x(8), Aarch64Registers.x(0), Aarch64Registers.PC);
        assertEquals(RegisterBytes.get(saved, Aarch64Registers.SP), arm.sp(call));
        assertEquals(RegisterBytes.get(saved, Aarch64Registers.x(0)), arm.result(saved));
        assertThrows(IllegalArgumentException.class, () -> Aarch64Registers.x(31));
    }

    @Test
    void callsCheckTheirInput() {
        assertThrows(IllegalArgumentException.class,
                () -> X86_64Registers.INSTANCE.callRegisters(new byte[216], 0, 1, 1, 2, 3, 4, 5, 6, 7));
        assertThrows(IllegalArgumentException.class, () -> Aarch64Registers.INSTANCE.callRegisters(new byte[216], 0, 1));
    }

    @Test
    void errnoResults() {
        assertTrue(RemoteErrno.failed(-12));
        assertEquals(12, RemoteErrno.errno(-12));
        assertEquals(RemoteErrno.EINTR, RemoteErrno.errno(-512), "ERESTARTSYS reads as EINTR");
        assertTrue(!RemoteErrno.failed(0) && !RemoteErrno.failed(-4096) && !RemoteErrno.failed(42));
    }
}
