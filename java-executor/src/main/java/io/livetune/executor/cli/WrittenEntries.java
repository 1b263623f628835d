package io.livetune.executor.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketinfo.SocketEntrySink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * socket_info's entries written as compact JSON the moment each is read, and later put into
 * the result in place of its array: 20,000 entries kept as JSON nodes until the end cost
 * more in garbage collection than writing them does, as bytes they cost their size.
 */
final class WrittenEntries implements SocketEntrySink, JsonSerializable {
    private final ObjectMapper json;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    private final JsonGenerator generator;

    WrittenEntries(ObjectMapper json) throws IOException {
        this.json = json;
        this.generator = json.getFactory().createGenerator(bytes);
        generator.writeStartArray();
    }

    @Override
    public void accept(ObjectNode entry) {
        try {
            json.writeTree(generator, entry);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: not seen
        }
    }

    /** Written as the array's bytes, straight onto the stream the result goes to. */
    @Override
    public void serialize(JsonGenerator into, SerializerProvider provider) throws IOException {
        generator.writeEndArray();
        generator.close();
        Object target = into.getOutputTarget();
        if (!(target instanceof OutputStream)) { // not seen: the command writes to a stream
            into.writeRawValue(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        into.writeRawValue(""); // the separator before a value, from the generator itself
        into.flush();
        bytes.writeTo((OutputStream) target);
    }

    @Override
    public void serializeWithType(JsonGenerator into, SerializerProvider provider, TypeSerializer type)
            throws IOException {
        serialize(into, provider);
    }
}
