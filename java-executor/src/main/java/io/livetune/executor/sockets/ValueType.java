package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * How an option's value travels between JSON and the kernel's bytes. Values are JSON nodes
 * throughout, so what the user wrote, what the kernel reported and what we print compare
 * with equals().
 */
public enum ValueType {
    /** A C int. */
    INT("integer") {
        @Override
        public JsonNode decode(byte[] raw) {
            return IntNode.valueOf(intAt(raw, 0));
        }

        @Override
        public byte[] encode(JsonNode value) {
            return ints(value.asInt());
        }
    },
    /** A C int the kernel treats as u32 (marks): shown unsigned. */
    UINT("integer") {
        @Override
        public JsonNode decode(byte[] raw) {
            return LongNode.valueOf(Integer.toUnsignedLong(intAt(raw, 0)));
        }

        @Override
        public byte[] encode(JsonNode value) {
            return ints((int) value.asLong());
        }

        @Override
        public JsonNode normalise(JsonNode value) {
            return LongNode.valueOf(value.asLong());
        }
    },
    /** A C int used as a flag: 0 is false, anything else true. */
    BOOL("boolean") {
        @Override
        public JsonNode decode(byte[] raw) {
            return BooleanNode.valueOf(intAt(raw, 0) != 0);
        }

        @Override
        public byte[] encode(JsonNode value) {
            return ints(value.asBoolean() ? 1 : 0);
        }
    },
    /** A NUL-terminated name such as a congestion control algorithm. */
    STRING("string") {
        @Override
        public JsonNode decode(byte[] raw) {
            int end = 0;
            while (end < raw.length && raw[end] != 0) {
                end++;
            }
            return TextNode.valueOf(new String(raw, 0, end, StandardCharsets.US_ASCII));
        }

        @Override
        public byte[] encode(JsonNode value) {
            return value.asText().getBytes(StandardCharsets.US_ASCII);
        }
    },
    /**
     * struct timeval (two native longs on 64-bit Linux) as whole milliseconds; 0 means
     * "never time out", as the kernel reports it.
     */
    MILLISECONDS("integer") {
        @Override
        public JsonNode decode(byte[] raw) {
            ByteBuffer buffer = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
            return LongNode.valueOf(buffer.getLong(0) * 1000 + buffer.getLong(8) / 1000);
        }

        @Override
        public byte[] encode(JsonNode value) {
            long millis = value.asLong();
            return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
                    .putLong(millis / 1000).putLong((millis % 1000) * 1000).array();
        }

        @Override
        public int size() {
            return 16;
        }

        @Override
        public JsonNode normalise(JsonNode value) {
            return LongNode.valueOf(value.asLong());
        }
    },
    /** struct linger { int l_onoff; int l_linger; } as {enabled, seconds}. */
    LINGER("object") {
        @Override
        public JsonNode decode(byte[] raw) {
            return linger(intAt(raw, 0) != 0, intAt(raw, 4));
        }

        @Override
        public byte[] encode(JsonNode value) {
            return ints(value.path("enabled").asBoolean() ? 1 : 0, value.path("seconds").asInt(0));
        }

        @Override
        public int size() {
            return 8;
        }

        @Override
        public JsonNode normalise(JsonNode value) {
            return linger(value.path("enabled").asBoolean(), value.path("seconds").asInt(0));
        }
    };

    private final String jsonType;

    ValueType(String jsonType) {
        this.jsonType = jsonType;
    }

    public abstract JsonNode decode(byte[] raw);

    public abstract byte[] encode(JsonNode value);

    /** Bytes the kernel reads or writes for this type (strings: TCP_CA_NAME_MAX). */
    public int size() {
        return this == STRING ? TCP_CA_NAME_MAX : 4;
    }

    private static final int TCP_CA_NAME_MAX = 16;

    /** The JSON Schema type name. */
    public String jsonType() {
        return jsonType;
    }

    /** The canonical node for a user-supplied value, so equals() compares like with like. */
    public JsonNode normalise(JsonNode value) {
        return value;
    }

    public static ObjectNode linger(boolean enabled, int seconds) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("enabled", enabled);
        node.put("seconds", seconds);
        return node;
    }

    /** A C int in a byte array, read in place: an inventory decodes some twenty per socket. */
    private static final VarHandle NATIVE_INT = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.nativeOrder());

    private static int intAt(byte[] raw, int offset) {
        return (int) NATIVE_INT.get(raw, offset);
    }

    private static byte[] ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.nativeOrder());
        for (int v : values) {
            buffer.putInt(v);
        }
        return buffer.array();
    }
}
