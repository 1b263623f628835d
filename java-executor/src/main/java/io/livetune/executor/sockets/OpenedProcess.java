package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;
import java.util.List;

/**
 * A scanned process, reached by the task's {@link AccessMethod}. With a pidfd, opening it
 * checks that the pid still belongs to the process that was scanned (same start time), so
 * every descriptor fetched through it is that process's even if the pid is reused later.
 * With ptrace, the same checks run inside the target ({@link AccessMethod.RemoteSockets}).
 */
public final class OpenedProcess implements AutoCloseable {
    private static final int NO_PIDFD = -1;

    private final LinuxSyscalls sys;
    private final ProcessInfo process;
    private final AccessMethod.RemoteSockets remote;
    private final boolean fallBack;
    private int pidfd;
    /**
     * Whether kcmp(2) answers for this process; false after ENOSYS (a kernel built without
     * CONFIG_KCMP) or EPERM (a seccomp policy, an LSM). Visits run on several threads.
     */
    private volatile boolean kcmpAnswers = true;

    private OpenedProcess(LinuxSyscalls sys, ProcessInfo process, int pidfd, AccessMethod.RemoteSockets remote,
            boolean fallBack) {
        this.sys = sys;
        this.process = process;
        this.pidfd = pidfd;
        this.remote = remote;
        this.fallBack = fallBack;
    }

    /**
     * @param remote how to reach a socket with ptrace (for {@code PTRACE}, and for {@code AUTO}
     *               on kernels without pidfd_open/pidfd_getfd)
     */
    public static OpenedProcess open(LinuxSyscalls sys, ProcFs proc, ProcessInfo process, AccessMethod method,
            AccessMethod.RemoteSockets remote) throws ErrnoException, IOException {
        if (method == AccessMethod.PTRACE) {
            checkSameProcess(proc, process);
            return new OpenedProcess(sys, process, NO_PIDFD, remote, false);
        }
        int pidfd;
        try {
            pidfd = sys.pidfdOpen(process.pid());
        } catch (ErrnoException e) {
            if (e.is(Errno.ESRCH)) {
                throw new ProcessGoneException(process.pid());
            }
            if (e.is(Errno.ENOSYS) && method == AccessMethod.AUTO) {
                checkSameProcess(proc, process);
                return new OpenedProcess(sys, process, NO_PIDFD, remote, false);
            }
            throw e;
        }
        try {
            checkSameProcess(proc, process);
        } catch (IOException e) {
            sys.close(pidfd);
            throw e;
        }
        return new OpenedProcess(sys, process, pidfd, remote, method == AccessMethod.AUTO);
    }

    private static void checkSameProcess(ProcFs proc, ProcessInfo process) throws IOException {
        if (ProcessInfo.startTimeOf(proc, process.pid()) != process.startTime()) {
            throw new ProcessGoneException(process.pid()); // exited, and its pid went to another process
        }
    }

    public ProcessInfo process() {
        return process;
    }

    /** Whether its sockets are reached with ptrace (no pidfd_getfd on this kernel, or asked for). */
    public boolean usesPtrace() {
        return pidfd == NO_PIDFD;
    }

    /**
     * Runs {@code visitor} over these sockets of the process (all scanned in it), each reached
     * only after its descriptor was checked to hold the scanned inode, and checked again when
     * the visit of it ended (or failed), so that a socket the target closed or replaced at any
     * moment goes to {@link SocketVisitor#vanished} instead of counting as read, changed or
     * refused.
     *
     * @throws ErrnoException          the kernel refused the visitor's work on a socket still held;
     *                                 the sockets after it are not visited
     * @throws ProcessGoneException    the process exited
     */
    public void visit(List<ScannedSocket> sockets, SocketVisitor visitor) throws ErrnoException, IOException {
        int next = 0;
        while (!usesPtrace() && next < sockets.size()) {
            ScannedSocket socket = sockets.get(next);
            VisitMoments.reach(VisitMoments.Moment.BEFORE_OPEN, process.pid(), socket.fd());
            DuplicatedSocket duplicate;
            try {
                duplicate = DuplicatedSocket.open(sys, pidfd, socket.fd(), socket.socket().inode());
            } catch (SocketGoneException e) {
                visitor.vanished(socket, e);
                next++;
                continue;
            } catch (ErrnoException e) {
                if (e.is(Errno.ENOSYS) && fallBack) {
                    sys.close(pidfd); // pidfd_open without pidfd_getfd (Linux 5.3-5.5): ptrace from now on
                    pidfd = NO_PIDFD;
                    break;
                }
                throw gone(e);
            }
            try {
                VisitMoments.reach(VisitMoments.Moment.AFTER_OPEN, process.pid(), socket.fd());
                visitDuplicate(socket, duplicate, visitor);
            } finally {
                duplicate.close();
            }
            next++;
        }
        if (next < sockets.size()) {
            remote.visit(process, sockets.subList(next, sockets.size()), visitor);
        }
    }

    private void visitDuplicate(ScannedSocket socket, DuplicatedSocket duplicate, SocketVisitor visitor)
            throws ErrnoException, IOException {
        SocketGoneException gone;
        try {
            visitor.visit(socket, duplicate);
            gone = stillHeld(socket, duplicate);
        } catch (ErrnoException refusal) {
            gone = stillHeld(socket, duplicate);
            if (gone == null) {
                throw refusal;
            }
        }
        if (gone != null) {
            visitor.vanished(socket, gone);
            LastClose.ofAbandoned(duplicate);
        }
    }

    /** ESRCH from a pidfd means the process exited: that is said as such. */
    private ErrnoException gone(ErrnoException e) throws ProcessGoneException {
        if (e.is(Errno.ESRCH)) {
            throw new ProcessGoneException(process.pid());
        }
        return e;
    }

    /**
     * Null when the target still holds the socket we visited through {@code duplicate}, else
     * what its descriptor holds instead. kcmp answers the common case in one call; any other
     * answer (a different file, a closed descriptor, no kcmp) is settled by duplicating the
     * descriptor again and reading its inode, which also says what it holds now.
     */
    private SocketGoneException stillHeld(ScannedSocket socket, DuplicatedSocket duplicate)
            throws ErrnoException, IOException {
        if (kcmpSaysHeld(socket, duplicate)) {
            return null;
        }
        try {
            return DuplicatedSocket.stillHeld(sys, pidfd, socket.fd(), socket.socket().inode());
        } catch (ErrnoException e) {
            throw gone(e);
        }
    }

    /**
     * Whether kcmp says the target holds the very socket of {@code duplicate} at its scanned
     * descriptor. kcmp names the process by pid, not pidfd: were the pid reused, a process
     * holding that same open file would hold the same socket, so "held" is never wrong about
     * which socket was touched.
     */
    private boolean kcmpSaysHeld(ScannedSocket socket, DuplicatedSocket duplicate) {
        if (!kcmpAnswers) {
            return false;
        }
        try {
            return duplicate.heldBy(process.pid(), socket.fd());
        } catch (ErrnoException e) {
            if (e.is(Errno.ENOSYS) || e.is(Errno.EPERM)) {
                kcmpAnswers = false;
            }
            return false; // EBADF (closed), ESRCH (exited): the full check says so in its terms
        }
    }

    @Override
    public void close() {
        if (pidfd != NO_PIDFD) {
            sys.close(pidfd);
        }
    }
}
