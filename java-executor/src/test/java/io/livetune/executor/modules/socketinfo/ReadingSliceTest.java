package io.livetune.executor.modules.socketinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.procfs.ProcessInfo;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketFilter;
import io.livetune.executor.sockets.SocketScanner;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The turns of a watch's readings, over this JVM's own UDP sockets as the scan finds them:
 * each reading reaches at most the budget, every socket is reached within
 * ceil(sockets / budget) readings, and a socket opened meanwhile gets its turn too.
 */
class ReadingSliceTest {
    private final ProcFs proc = new ProcFs();

    private List<ScannedSocket> scan(Set<Integer> ports) throws Exception {
        ProcessInfo self = ProcessInfo.read(proc, ProcFs.selfPid());
        List<ScannedSocket> all = new SocketScanner(proc, new KernelFactsReader(proc, LinuxSyscalls.get()), false)
                .scan(List.of(self), new SocketFilter());
        List<ScannedSocket> ours = new ArrayList<>();
        for (ScannedSocket socket : all) {
            String local = socket.socket().local();
            if (ports.contains(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1)))) {
                ours.add(socket);
            }
        }
        return ours;
    }

    private static DatagramSocket udp() throws Exception {
        return new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    }

    @Test
    void everySocketIsReachedInTurnAndNoReadingReachesMoreThanTheBudget() throws Exception {
        List<DatagramSocket> open = new ArrayList<>();
        try {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 7; i++) {
                open.add(udp());
                ports.add(open.get(i).getLocalPort());
            }
            List<ScannedSocket> sockets = scan(ports);
            assertEquals(7, sockets.size(), "this JVM's seven UDP sockets are scanned");
            ReadingSlice slice = new ReadingSlice(3);
            Set<Long> reached = new HashSet<>();
            for (int reading = 0; reading < 3; reading++) { // ceil(7 / 3)
                Set<ScannedSocket> picked = slice.pick(sockets);
                assertEquals(3, picked.size(), "the budget, every reading");
                for (ScannedSocket socket : picked) {
                    assertTrue(slice.wasRead(socket.socket().inode()));
                    reached.add(socket.socket().inode());
                }
            }
            assertEquals(7, reached.size(), "every socket within ceil(7 / 3) readings");

            DatagramSocket late = udp(); // a socket opened between readings
            open.add(late);
            ports.add(late.getLocalPort());
            List<ScannedSocket> more = scan(ports);
            long lateInode = more.stream().filter(s -> s.socket().local().endsWith(":" + late.getLocalPort()))
                    .findFirst().orElseThrow().socket().inode();
            boolean lateReached = false;
            for (int reading = 0; reading < 3 && !lateReached; reading++) { // ceil(8 / 3)
                slice.pick(more);
                lateReached = slice.wasRead(lateInode);
            }
            assertTrue(lateReached, "the new socket gets its turn within ceil(8 / 3) readings");
        } finally {
            for (DatagramSocket socket : open) {
                socket.close();
            }
        }
    }

    @Test
    void fewerSocketsThanTheBudgetAreAllReachedEveryReading() throws Exception {
        try (DatagramSocket a = udp(); DatagramSocket b = udp()) {
            List<ScannedSocket> sockets = scan(Set.of(a.getLocalPort(), b.getLocalPort()));
            ReadingSlice slice = new ReadingSlice(1000);
            assertEquals(2, slice.pick(sockets).size());
            assertEquals(2, slice.pick(sockets).size());
            assertFalse(slice.wasRead(-5), "nothing else");
        }
    }
}
