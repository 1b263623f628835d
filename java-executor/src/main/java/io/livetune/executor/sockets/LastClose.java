package io.livetune.executor.sockets;

import static io.livetune.executor.nativeio.AsmGenericSocket.SOL_SOCKET;
import static io.livetune.executor.nativeio.AsmGenericSocket.SO_LINGER;

import io.livetune.executor.nativeio.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * When the target closed a socket while livetune held a duplicate of it, livetune's close is
 * the last one, and with SO_LINGER on it would block until the unsent data is gone (up to
 * the linger time): inside the target, under ptrace, that would keep its thread stopped. The
 * target's own close already returned at once (it was not the last), so turning lingering off
 * on a socket it no longer holds changes nothing it can see: the kernel still sends what is
 * queued and closes gracefully, in the background.
 */
public final class LastClose {

    private LastClose() {
    }

    /** Before closing our duplicate of a socket the target no longer holds. Best effort. */
    public static void ofAbandoned(LiveSocket socket) {
        try {
            ByteBuffer linger = ByteBuffer.wrap(socket.getsockopt(SOL_SOCKET, SO_LINGER, 8))
                    .order(ByteOrder.nativeOrder());
            if (linger.capacity() == 8 && linger.getInt(0) != 0 && linger.getInt(4) != 0) {
                socket.setsockopt(SOL_SOCKET, SO_LINGER, new byte[8]);
            }
        } catch (ErrnoException e) {
            // Not a socket that lingers (or the kernel refuses): nothing to avoid.
        }
    }
}
