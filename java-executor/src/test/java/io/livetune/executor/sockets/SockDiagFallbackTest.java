package io.livetune.executor.sockets;

import static io.livetune.executor.nativeio.SysSocket.AF_NETLINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import java.lang.reflect.Proxy;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the kernel refuses its socket diagnostics (EPERM from socket(AF_NETLINK), as a
 * seccomp policy or an LSM answers), the scan falls back to /proc and finds the same sockets
 * with the same identity, state and queues. The refusal is played by the system calls the
 * scan is given; everything else is this JVM's real sockets and /proc.
 */
class SockDiagFallbackTest {

    /**
     * An inventory of every process reads each namespace's whole table beside the walk; the
     * scan is the same as one that reads it after the walk for the held inodes, and where the
     * diagnostics are refused, the same as /proc's.
     */
    @Test
    void wholeTablesReadBesideTheWalkGiveTheSameScan() throws Exception {
        ProcFs proc = new ProcFs();
        LinuxSyscalls real = LinuxSyscalls.get();
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                Socket client = new Socket("127.0.0.1", listener.getLocalPort());
                Socket server = listener.accept()) {
            ProcessInfo self = ProcessInfo.read(proc, ProcFs.selfPid());
            ProcessInfo parent = ProcessInfo.read(proc, self.ppid());
            List<ProcessInfo> two = List.of(self, parent);
            KernelFactsReader kernel = new KernelFactsReader(proc, real);
            List<ScannedSocket> after = new SocketScanner(proc, kernel, true, real).withOptionValues()
                    .scan(two, new SocketFilter());
            List<ScannedSocket> beside = new SocketScanner(proc, kernel, true, real).withOptionValues()
                    .readingWholeTablesBesideWalk().scan(two, new SocketFilter());
            List<ScannedSocket> besideRefused = new SocketScanner(proc, kernel, true, refusing(real)).withOptionValues()
                    .readingWholeTablesBesideWalk().scan(two, new SocketFilter());
            assertTrue(after.size() >= 3, "this JVM's sockets are found: " + after.size());
            assertEquals(describe(after), describe(beside), "whole tables beside the walk");
            assertEquals(describe(after), describe(besideRefused), "refused: /proc's tables");
            assertTrue(beside.stream().allMatch(s -> s.socket().diag() != null), "read from sock_diag");
            assertTrue(besideRefused.stream().allMatch(s -> s.socket().diag() == null), "read from /proc");
        }
    }

    private static List<String> describe(List<ScannedSocket> sockets) {
        return sockets.stream().map(s -> s.process().pid() + "/" + s.fd() + " " + s.socket()).toList();
    }

    /** {@code real}, except that a netlink socket is refused (EPERM), as seccomp or an LSM would. */
    private static LinuxSyscalls refusing(LinuxSyscalls real) {
        return (LinuxSyscalls) Proxy.newProxyInstance(LinuxSyscalls.class.getClassLoader(),
                new Class<?>[] {LinuxSyscalls.class}, (proxy, method, args) -> {
                    if (method.getName().equals("socket") && (int) args[0] == AF_NETLINK) {
                        throw new ErrnoException("socket", Errno.EPERM, "Operation not permitted");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aRefusedDiagnosticsSocketGivesTheSameScanFromProc() throws Exception {
        ProcFs proc = new ProcFs();
        LinuxSyscalls real = LinuxSyscalls.get();
        LinuxSyscalls refusing = refusing(real);
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                Socket client = new Socket("127.0.0.1", listener.getLocalPort());
                Socket server = listener.accept();
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            ProcessInfo self = ProcessInfo.read(proc, ProcFs.selfPid());
            KernelFactsReader kernel = new KernelFactsReader(proc, real);
            List<ScannedSocket> viaDiag = new SocketScanner(proc, kernel, false, real).withOptionValues()
                    .scan(List.of(self), new SocketFilter());
            List<ScannedSocket> viaProc = new SocketScanner(proc, kernel, false, refusing).withOptionValues()
                    .scan(List.of(self), new SocketFilter());
            assertTrue(viaDiag.size() >= 4, "this JVM's sockets are found: " + viaDiag.size());
            assertEquals(viaDiag.size(), viaProc.size(), "the same sockets");
            for (int i = 0; i < viaDiag.size(); i++) {
                InetSocket fromDiag = viaDiag.get(i).socket();
                InetSocket fromProc = viaProc.get(i).socket();
                assertEquals(viaDiag.get(i).fd(), viaProc.get(i).fd(), "the same order");
                assertEquals(fromDiag.inode(), fromProc.inode());
                assertEquals(fromDiag.toString(), fromProc.toString());
                assertEquals(fromDiag.receiveQueue(), fromProc.receiveQueue(), fromDiag.toString());
                assertEquals(fromDiag.sendQueue(), fromProc.sendQueue(), fromDiag.toString());
                assertNotNull(fromDiag.diag(), "read from sock_diag: " + fromDiag);
                assertNull(fromProc.diag(), "read from /proc, so its options go to getsockopt: " + fromProc);
            }
        }
    }
}
