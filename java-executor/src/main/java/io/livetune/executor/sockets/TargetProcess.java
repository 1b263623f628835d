package io.livetune.executor.sockets;

import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessGoneException;
import io.livetune.executor.procfs.ProcessInfo;
import java.io.IOException;

/**
 * A pidfd on a scanned process. Opening it checks that the pid still belongs to the process
 * that was scanned (same start time), so every descriptor fetched through it is that
 * process's, even if the pid is reused later.
 */
public final class TargetProcess implements AutoCloseable {
    private final LinuxSyscalls sys;
    private final ProcessInfo process;
    private final int pidfd;

    private TargetProcess(LinuxSyscalls sys, ProcessInfo process, int pidfd) {
        this.sys = sys;
        this.process = process;
        this.pidfd = pidfd;
    }

    public static TargetProcess open(LinuxSyscalls sys, ProcFs proc, ProcessInfo process)
            throws ErrnoException, IOException {
        int pidfd;
        try {
            pidfd = sys.pidfdOpen(process.pid());
        } catch (ErrnoException e) {
            if (e.is(io.livetune.executor.nativeio.Errno.ESRCH)) {
                throw new ProcessGoneException(process.pid());
            }
            throw e;
        }
        try {
            if (ProcessInfo.startTimeOf(proc, process.pid()) != process.startTime()) {
                throw new ProcessGoneException(process.pid()); // exited, and its pid went to another process
            }
        } catch (IOException e) {
            sys.close(pidfd);
            throw e;
        }
        return new TargetProcess(sys, process, pidfd);
    }

    public ProcessInfo process() {
        return process;
    }

    /** Duplicates one of its sockets, checked against the scanned inode. */
    public LiveSocket duplicate(ScannedSocket socket) throws ErrnoException, SocketReplacedException {
        return DuplicatedSocket.open(sys, pidfd, socket.fd(), socket.socket().inode());
    }

    @Override
    public void close() {
        sys.close(pidfd);
    }
}
