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

    @Test
    void aRefusedDiagnosticsSocketGivesTheSameScanFromProc() throws Exception {
        ProcFs proc = new ProcFs();
        LinuxSyscalls real = LinuxSyscalls.get();
        LinuxSyscalls refusing = (LinuxSyscalls) Proxy.newProxyInstance(LinuxSyscalls.class.getClassLoader(),
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
