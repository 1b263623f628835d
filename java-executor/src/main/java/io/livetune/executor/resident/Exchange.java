package io.livetune.executor.resident;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One client connection, read and written with a deadline: a client that stalls or goes away
 * costs the resident at most that long, never a request of someone else's. (A channel's socket
 * adapter has no read timeout for UNIX sockets, so the channel is non-blocking under a selector.)
 */
final class Exchange implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer oneByte = ByteBuffer.allocate(1);

    Exchange(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    /** A line without its newline, or null when the peer closed first; at most {@code max} bytes. */
    String readLine(int max, long deadlineNanos) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            oneByte.clear();
            if (!fill(oneByte, deadlineNanos)) {
                return null;
            }
            byte b = oneByte.get(0);
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= max) {
                throw new IOException("line longer than " + max + " bytes");
            }
            line.write(b);
        }
    }

    /** Exactly {@code length} bytes, or null when the peer closed first. */
    byte[] readExactly(int length, long deadlineNanos) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        return fill(buffer, deadlineNanos) ? buffer.array() : null;
    }

    private boolean fill(ByteBuffer buffer, long deadlineNanos) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadlineNanos);
            }
        }
        return true;
    }

    void write(byte[] bytes, long deadlineNanos) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos);
            }
        }
    }

    private void await(int operation, long deadlineNanos) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new IOException("the client did not keep up within the exchange's time limit");
        }
        SelectionKey key = channel.register(selector, operation);
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
        key.interestOps(0);
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
