package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;

/**
 * A scanned process, reached by the task's {@link AccessMethod}. With a pidfd, opening it
 * checks that the pid still belongs to the process that was scanned (same start time), so
 * every descriptor fetched through it is that process's even if the pid is reused later.
 * With ptrace, each call checks the descriptor's inode inside the target instead.
 */
public final class TargetProcess implements AutoCloseable {
    private static final int NO_PIDFD = -1;

    private final LinuxSyscalls sys;
    private final ProcessInfo process;
    private final AccessMethod.RemoteSockets remote;
    private final boolean fallBack;
    private int pidfd;

    private TargetProcess(LinuxSyscalls sys, ProcessInfo process, int pidfd, AccessMethod.RemoteSockets remote,
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
    public static TargetProcess open(LinuxSyscalls sys, ProcFs proc, ProcessInfo process, AccessMethod method,
            AccessMethod.RemoteSockets remote) throws ErrnoException, IOException {
        if (method == AccessMethod.PTRACE) {
            checkSameProcess(proc, process);
            return new TargetProcess(sys, process, NO_PIDFD, remote, false);
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
                return new TargetProcess(sys, process, NO_PIDFD, remote, false);
            }
            throw e;
        }
        try {
            checkSameProcess(proc, process);
        } catch (IOException e) {
            sys.close(pidfd);
            throw e;
        }
        return new TargetProcess(sys, process, pidfd, remote, method == AccessMethod.AUTO);
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

    /** One of its sockets, checked against the scanned inode before anything is done to it. */
    public LiveSocket duplicate(ScannedSocket socket) throws ErrnoException, SocketReplacedException {
        if (!usesPtrace()) {
            try {
                return DuplicatedSocket.open(sys, pidfd, socket.fd(), socket.socket().inode());
            } catch (ErrnoException e) {
                if (!(e.is(Errno.ENOSYS) && fallBack)) {
                    throw e;
                }
                sys.close(pidfd); // pidfd_open without pidfd_getfd (Linux 5.3-5.5): ptrace from now on
                pidfd = NO_PIDFD;
            }
        }
        return remote.open(process.pid(), socket.fd(), socket.socket().inode());
    }

    @Override
    public void close() {
        if (pidfd != NO_PIDFD) {
            sys.close(pidfd);
        }
    }
}
