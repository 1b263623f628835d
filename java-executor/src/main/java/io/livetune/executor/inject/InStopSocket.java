package io.livetune.executor.inject;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.sockets.LiveSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A socket of a stopped target, reached through a descriptor of the target's own: every call
 * runs inside the target, in the stop that is under way. Only valid during that stop.
 */
final class InStopSocket implements LiveSocket {
    private final RemoteCalls calls;
    private final int fd;

    InStopSocket(RemoteCalls calls, int fd) {
        this.calls = calls;
        this.fd = fd;
    }

    /** An injected call could not run (the target exited, ptrace failed): not the kernel's answer to it. */
    static final class CallFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CallFailed(InjectionException cause) {
            super(cause.getMessage(), cause);
        }

        InjectionException injectionFailure() {
            return (InjectionException) getCause();
        }
    }

    @Override
    public byte[] getsockopt(int level, int optname, int maxLength) throws ErrnoException {
        int mark = calls.scratchMark();
        try {
            long value = calls.scratch(new byte[maxLength]);
            long length = calls.scratch(intBytes(maxLength));
            long result = calls.call(Syscall.GETSOCKOPT, fd, level, optname, value, length);
            RemoteErrno.check("getsockopt(level " + level + ", optname " + optname + ") in the target", result);
            int written = ByteBuffer.wrap(calls.read(length, 4)).order(ByteOrder.nativeOrder()).getInt();
            return calls.read(value, Math.min(written, maxLength));
        } catch (InjectionException e) {
            throw new CallFailed(e);
        } finally {
            release(mark);
        }
    }

    @Override
    public void setsockopt(int level, int optname, byte[] value) throws ErrnoException {
        int mark = calls.scratchMark();
        try {
            long address = calls.scratch(value);
            long result = calls.call(Syscall.SETSOCKOPT, fd, level, optname, address, value.length);
            RemoteErrno.check("setsockopt(level " + level + ", optname " + optname + ") in the target", result);
        } catch (InjectionException e) {
            throw new CallFailed(e);
        } finally {
            release(mark);
        }
    }

    @Override
    public void listen(int backlog) throws ErrnoException {
        try {
            RemoteErrno.check("listen(backlog " + backlog + ") in the target", calls.call(Syscall.LISTEN, fd, backlog));
        } catch (InjectionException e) {
            throw new CallFailed(e);
        }
    }

    @Override
    public io.livetune.executor.sockets.AccessMethod method() {
        return io.livetune.executor.sockets.AccessMethod.PTRACE;
    }

    @Override
    public void close() {
        // The descriptor belongs to the visit that opened it, which closes it in the same stop.
    }

    private void release(int mark) {
        try {
            calls.release(mark);
        } catch (InjectionException e) {
            throw new CallFailed(e);
        }
    }

    static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
    }
}
