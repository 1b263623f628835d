package io.livetune.executor.inject;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.sockets.LastClose;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketGoneException;
import io.livetune.executor.sockets.SocketVisitor;
import io.livetune.executor.sockets.VisitMoments;
import io.livetune.executor.sockets.VisitMoments.Moment;
import java.io.IOException;
import java.util.List;

/**
 * Sockets of a target reached by running the calls inside it, for kernels without
 * pidfd_getfd (before 5.6): the same guarantee as a pidfd duplicate, made inside the target.
 *
 * <p>Other threads of the target keep running while one is stopped, and may close a
 * descriptor and reuse its number at any instant; a check of the descriptor followed by a
 * call on the same number could act on another socket. So each socket is first duplicated
 * inside the target (fcntl F_DUPFD_CLOEXEC, never onto 0-2, which programs reopen by number),
 * the duplicate's inode is checked, and every call goes to the duplicate, which no thread of
 * the target knows about; at the end the original descriptor is checked again (the socket
 * still held?) and the duplicate is closed, all in the same stop. One stop serves as many
 * sockets of the process as fit in {@link #STOP_BUDGET_NANOS}, at least one.
 */
public final class InjectedSockets implements AccessMethod.RemoteSockets, AutoCloseable {
    /** include/uapi/linux/fcntl.h, the same on x86_64 and aarch64. */
    private static final long F_DUPFD_CLOEXEC = 1030;
    private static final long LOWEST_DUPLICATE = 3;
    private static final int EBADF = 9;
    /** How long one stop may go on taking the next socket: the thread stays stopped that long. */
    static final long STOP_BUDGET_NANOS = 500_000;

    private Injector injector;

    /** The engine starts (its tracer thread) only when a target is reached this way. */
    public InjectedSockets() {
    }

    /** An injection that could not happen or finish: a traced target, a timeout, a refusal of ptrace. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(InjectionException cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public void visit(ProcessInfo process, List<ScannedSocket> sockets, SocketVisitor visitor)
            throws ErrnoException, IOException {
        synchronized (this) {
            if (injector == null) {
                try {
                    injector = new Injector();
                } catch (InjectionException e) { // a machine the engine has not run on
                    throw new Failure(e);
                }
            }
        }
        int next = 0;
        while (next < sockets.size()) {
            Stop stop = new Stop(sockets, next, visitor);
            try {
                next = injector.inject(process.pid(), stop);
            } catch (InjectionException e) {
                if (e.kind() == InjectionException.Kind.GONE) {
                    throw new ProcessGoneException(process.pid());
                }
                throw new Failure(e);
            }
            if (stop.refusal != null) {
                throw stop.refusal;
            }
        }
    }

    /** Whether any socket was reached this way. */
    public synchronized boolean used() {
        return injector != null;
    }

    @Override
    public synchronized void close() {
        if (injector != null) {
            injector.close();
        }
    }

    /** The work of one stop: sockets from {@code first} on, until the budget is spent or a refusal. */
    private static final class Stop implements RemoteWork<Integer> {
        private final List<ScannedSocket> sockets;
        private final int first;
        private final SocketVisitor visitor;
        ErrnoException refusal;

        Stop(List<ScannedSocket> sockets, int first, SocketVisitor visitor) {
            this.sockets = sockets;
            this.first = first;
            this.visitor = visitor;
        }

        @Override
        public Integer run(RemoteCalls calls) throws InjectionException {
            long start = System.nanoTime();
            int next = first;
            try {
                while (next < sockets.size()) {
                    ScannedSocket socket = sockets.get(next++);
                    int mark = calls.scratchMark();
                    try {
                        if (!visitOne(calls, socket)) {
                            return next; // refused: the visit ends here
                        }
                    } finally {
                        calls.release(mark);
                    }
                    if (System.nanoTime() - start > STOP_BUDGET_NANOS) {
                        break;
                    }
                }
            } catch (InStopSocket.CallFailed e) {
                throw e.injectionFailure();
            }
            return next;
        }

        /** One socket; false when the kernel refused the visitor's work on a socket still held. */
        private boolean visitOne(RemoteCalls calls, ScannedSocket socket) throws InjectionException {
            int fd = socket.fd();
            long inode = socket.socket().inode();
            VisitMoments.reach(Moment.BEFORE_OPEN, calls.pid(), fd);
            long duplicate = calls.call(Syscall.FCNTL, fd, F_DUPFD_CLOEXEC, LOWEST_DUPLICATE);
            if (RemoteErrno.failed(duplicate)) {
                if (RemoteErrno.errno(duplicate) == EBADF) {
                    visitor.vanished(socket, new SocketGoneException(fd, inode, SocketGoneException.NO_SOCKET));
                    return true;
                }
                refusal = RemoteErrno.failure("fcntl(fd " + fd + ", F_DUPFD_CLOEXEC) in the target", duplicate);
                return false;
            }
            InStopSocket live = new InStopSocket(calls, (int) duplicate);
            // Whether our duplicate holds the scanned socket and the target no longer does: then
            // our close is the last one. (A duplicate that holds ANOTHER socket, which took the
            // descriptor number, must not be touched at all: the target uses that one.)
            boolean lastReference = false;
            try {
                long actual = inodeOf(calls, (int) duplicate);
                if (actual != inode) {
                    visitor.vanished(socket, new SocketGoneException(fd, inode, actual));
                    return true;
                }
                VisitMoments.reach(Moment.AFTER_OPEN, calls.pid(), fd);
                SocketGoneException gone;
                try {
                    visitor.visit(socket, live);
                    gone = stillHeld(calls, fd, inode);
                } catch (ErrnoException e) {
                    gone = stillHeld(calls, fd, inode);
                    if (gone == null) {
                        refusal = e;
                        return false;
                    }
                }
                if (gone != null) {
                    lastReference = true;
                    visitor.vanished(socket, gone);
                }
                return true;
            } finally {
                if (lastReference) {
                    LastClose.ofAbandoned(live);
                }
                calls.call(Syscall.CLOSE, duplicate); // ours; it cannot fail on a descriptor we just made
            }
        }

        /** null when the target still holds the socket at {@code fd}; otherwise what it holds. */
        private static SocketGoneException stillHeld(RemoteCalls calls, int fd, long inode) throws InjectionException {
            long actual = inodeOf(calls, fd);
            return actual == inode ? null : new SocketGoneException(fd, inode, actual);
        }

        /** The socket inode at a descriptor of the target; NO_SOCKET when closed or not a socket. */
        private static long inodeOf(RemoteCalls calls, int fd) throws InjectionException {
            int mark = calls.scratchMark();
            try {
                long stat = calls.scratch(new byte[LinuxSyscalls.STAT_SIZE]);
                long result = calls.call(Syscall.FSTAT, fd, stat);
                if (RemoteErrno.failed(result)) {
                    return SocketGoneException.NO_SOCKET;
                }
                return LinuxSyscalls.socketInodeOf(calls.read(stat, LinuxSyscalls.STAT_SIZE));
            } finally {
                calls.release(mark);
            }
        }
    }
}
