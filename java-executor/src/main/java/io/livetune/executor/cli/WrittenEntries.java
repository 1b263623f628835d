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

/**
 * socket_info's entries written as compact JSON the moment each is read, and later put into
 * the result in place of its array: 20,000 entries kept as JSON nodes until the end cost
 * more in garbage collection than writing them does, as bytes they cost their size.
 */
final class WrittenEntries implements SocketEntrySink, Json.Written {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    private final JsonGenerator generator;

    WrittenEntries() throws IOException {
        this.generator = Json.generator(bytes);
        generator.writeStartArray();
    }

    @Override
    public void accept(ObjectNode entry) {
        try {
            Json.write(generator, entry);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: not seen
        }
    }

    /** Written as the array's bytes, straight onto the stream the result goes to. */
    @Override
    public void writeTo(JsonGenerator into) throws IOException {
        generator.writeEndArray();
        generator.close();
        Object target = into.getOutputTarget();
        if (!(target instanceof OutputStream)) { // not seen: the command writes to a stream
            into.writeRawValue(bytes.toString(StandardCharsets.UTF_8));
            return;
        }
        into.writeRawValue(""); // the separator before a value, from the generator itself
        into.flush();
        bytes.writeTo((OutputStream) target);
    }
}
