package io.livetune.executor.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Json;
import io.livetune.executor.modules.socketinfo.SocketEntrySink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * socket_info's entries written as compact JSON the moment they are read, and later put
 * into the result in place of its array: 20,000 entries kept as JSON nodes until the end cost
 * more in garbage collection than writing them does, as bytes they cost their size.
 *
 * <p>Runs of consecutive entries are written on the threads that prepare them (every core),
 * each run into its thread's own buffer and then to bytes of its exact size, kept in order
 * and joined with commas at the end: the same bytes one generator writing the whole array
 * gives, with no buffer doubling (and copying) its way up to the whole listing's size.
 */
final class WrittenEntries implements SocketEntrySink<byte[]>, Json.Written {
    /** About 64 entries with every option of a TCP socket: a run seldom makes it grow. */
    private static final int RUN_BYTES = 64 << 10;
    private static final ThreadLocal<ByteArrayOutputStream> BUFFERS =
            ThreadLocal.withInitial(() -> new ByteArrayOutputStream(RUN_BYTES));

    private final List<byte[]> runs = new ArrayList<>();

    /** The run's entries as JSON separated by commas: a stretch of the array's text. */
    @Override
    public byte[] prepare(List<ObjectNode> run) {
        ByteArrayOutputStream buffer = BUFFERS.get();
        buffer.reset();
        try (JsonGenerator generator = Json.generator(buffer)) {
            generator.setRootValueSeparator(null); // the comma is ours: no space between values
            for (int i = 0; i < run.size(); i++) {
                if (i > 0) {
                    generator.writeRaw(',');
                }
                Json.write(generator, run.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: not seen
        }
        return buffer.toByteArray();
    }

    @Override
    public void accept(byte[] run) {
        if (run.length > 0) {
            runs.add(run);
        }
    }

    /** Written as the array's bytes, straight onto the stream the result goes to. */
    @Override
    public void writeTo(JsonGenerator into) throws IOException {
        Object target = into.getOutputTarget();
        if (!(target instanceof OutputStream)) { // not seen: the command writes to a stream
            ByteArrayOutputStream array = new ByteArrayOutputStream();
            writeArray(array);
            into.writeRawValue(array.toString(StandardCharsets.UTF_8));
            return;
        }
        into.writeRawValue(""); // the separator before a value, from the generator itself
        into.flush();
        writeArray((OutputStream) target);
    }

    private void writeArray(OutputStream out) throws IOException {
        out.write('[');
        for (int i = 0; i < runs.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(runs.get(i));
        }
        out.write(']');
    }
}
