package io.livetune.executor.inject;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** 64-bit fields of a register set, in the byte order the kernel uses (little endian on both architectures). */
final class RegisterBytes {
    private RegisterBytes() {
    }

    static long get(byte[] regs, int offset) {
        return ByteBuffer.wrap(regs).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    static void put(byte[] regs, int offset, long value) {
        ByteBuffer.wrap(regs).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
    }

    static void checkSize(byte[] regs, int size, String layout) {
        if (regs.length != size) {
            throw new IllegalArgumentException(layout + " registers are " + size + " bytes, not " + regs.length);
        }
    }
}
