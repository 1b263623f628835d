package io.livetune.executor.inject;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.sockets.LiveSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A target's socket reached by running getsockopt/setsockopt/listen inside the target, for
 * kernels without pidfd_getfd (before 5.6). Every call is one short injection that first
 * fstat()s the descriptor in the target and goes on only if it still holds the scanned
 * socket's inode, the same guarantee as the duplicate's inode check.
 */
public final class InjectedSocket implements LiveSocket {
    private final Injector injector;
    private final int pid;
    private final int fd;
    private final long inode;

    public InjectedSocket(Injector injector, int pid, int fd, long inode) {
        this.injector = injector;
        this.pid = pid;
        this.fd = fd;
        this.inode = inode;
    }

    /** An injection that could not happen or finish: a traced target, a timeout, a refusal. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(InjectionException cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public byte[] getsockopt(int level, int optname, int maxLength) throws ErrnoException {
        return run(calls -> {
            long value = calls.scratch(new byte[maxLength]);
            long length = calls.scratch(ints(maxLength));
            long result = calls.call(Syscall.GETSOCKOPT, fd, level, optname, value, length);
            if (RemoteErrno.failed(result)) {
                return Outcome.failed("getsockopt(level " + level + ", optname " + optname + ")", result);
            }
            int written = ByteBuffer.wrap(calls.read(length, 4)).order(ByteOrder.nativeOrder()).getInt();
            return Outcome.of(calls.read(value, Math.min(written, maxLength)));
        });
    }

    @Override
    public void setsockopt(int level, int optname, byte[] value) throws ErrnoException {
        run(calls -> {
            long address = calls.scratch(value);
            long result = calls.call(Syscall.SETSOCKOPT, fd, level, optname, address, value.length);
            return RemoteErrno.failed(result)
                    ? Outcome.failed("setsockopt(level " + level + ", optname " + optname + ")", result)
                    : Outcome.of(null);
        });
    }

    @Override
    public void listen(int backlog) throws ErrnoException {
        run(calls -> {
            long result = calls.call(Syscall.LISTEN, fd, backlog);
            return RemoteErrno.failed(result) ? Outcome.failed("listen(backlog " + backlog + ")", result)
                    : Outcome.of(null);
        });
    }

    @Override
    public void close() {
        // Nothing of ours to let go: the descriptor was never duplicated.
    }

    /** Runs the work in the target after checking, in the same stop, that fd still holds the socket. */
    private byte[] run(RemoteWork<Outcome> work) throws ErrnoException {
        Outcome outcome;
        try {
            outcome = injector.inject(pid, calls -> {
                long stat = calls.scratch(new byte[LinuxSyscalls.STAT_SIZE]);
                long result = calls.call(Syscall.FSTAT, fd, stat);
                if (RemoteErrno.failed(result)) {
                    return Outcome.failed("fstat(fd " + fd + ")", result);
                }
                long actual = LinuxSyscalls.socketInodeOf(calls.read(stat, LinuxSyscalls.STAT_SIZE));
                if (actual != inode) {
                    return Outcome.replaced(actual);
                }
                return work.run(calls);
            });
        } catch (InjectionException e) {
            throw new Failure(e);
        } catch (IOException e) {
            throw new Failure(new InjectionException(InjectionException.Kind.GONE, e.getMessage(), e));
        }
        return outcome.get(fd, inode);
    }

    private static byte[] ints(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
    }

    /** What one injection found: bytes, an errno, or another socket at that descriptor. */
    private static final class Outcome {
        private final byte[] bytes;
        private final String call;
        private final long result;
        private final Long replacedBy;

        private Outcome(byte[] bytes, String call, long result, Long replacedBy) {
            this.bytes = bytes;
            this.call = call;
            this.result = result;
            this.replacedBy = replacedBy;
        }

        static Outcome of(byte[] bytes) {
            return new Outcome(bytes, null, 0, null);
        }

        static Outcome failed(String call, long result) {
            return new Outcome(null, call, result, null);
        }

        static Outcome replaced(long actualInode) {
            return new Outcome(null, null, 0, actualInode);
        }

        byte[] get(int fd, long inode) throws ErrnoException {
            if (replacedBy != null) {
                // EBADF is what the duplicate path reports for a descriptor closed meanwhile.
                throw new ErrnoException("fd " + fd + " no longer holds socket inode " + inode
                        + (replacedBy < 0 ? "" : " (it holds inode " + replacedBy + ")"),
                        io.livetune.executor.nativeio.Errno.EBADF, "the target replaced its descriptor");
            }
            if (call != null) {
                RemoteErrno.check(call + " in the target", result);
            }
            return bytes;
        }
    }
}
