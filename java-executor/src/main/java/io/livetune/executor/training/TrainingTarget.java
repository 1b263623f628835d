package io.livetune.executor.training;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The process {@link ArchiveTraining} reads: listens on 127.0.0.1 (a port the kernel picks),
 * prints the port, and exits when its stdin ends (when the training closes it, or dies).
 * It accepts no connection: the training only reads its listener's options.
 */
public final class TrainingTarget {
    private TrainingTarget() {
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            System.out.println(listener.getLocalPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // nothing is sent: this waits for the end of stdin
            }
        }
    }
}
