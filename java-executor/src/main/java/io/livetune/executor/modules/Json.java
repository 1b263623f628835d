package io.livetune.executor.modules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text to Jackson trees and back, through one {@link JsonFactory} and no ObjectMapper.
 *
 * <p>Every Ansible task starts a JVM, and an ObjectMapper is the costliest thing in it to
 * build (its date format alone pulls in the JDK's locale and time-zone data): the trees the
 * modules work on need none of that. The trees and the text are what ObjectMapper's
 * {@code readTree} and {@code writeValueAsString} give with default settings: integers as
 * int, long or big-integer nodes, other numbers as doubles, the last of duplicate keys wins,
 * compact output.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    /** The value in {@code text}, a MissingNode when there is none; a syntax error throws. */
    public static JsonNode read(String text) throws IOException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            return readRoot(parser);
        }
    }

    /** The value in the stream (UTF-8, or what its first bytes say). */
    public static JsonNode read(InputStream in) throws IOException {
        try (JsonParser parser = FACTORY.createParser(in)) {
            return readRoot(parser);
        }
    }

    private static JsonNode readRoot(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        return token == null ? MissingNode.getInstance() : value(parser, token);
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT:
                ObjectNode object = NODES.objectNode();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    object.replace(name, value(parser, parser.nextToken()));
                }
                return object;
            case START_ARRAY:
                ArrayNode array = NODES.arrayNode();
                for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                    array.add(value(parser, item));
                }
                return array;
            case VALUE_STRING:
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                switch (parser.getNumberType()) {
                    case INT:
                        return NODES.numberNode(parser.getIntValue());
                    case LONG:
                        return NODES.numberNode(parser.getLongValue());
                    default:
                        return NODES.numberNode(parser.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                // END_OBJECT where a value belongs cannot reach us: the parser reports it first
                throw new IOException("unexpected JSON token " + token);
        }
    }

    /** Compact JSON text, as {@code ObjectMapper.writeValueAsString} writes a tree. */
    public static String write(JsonNode node) {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(text)) {
            write(generator, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    /**
     * Compact JSON onto {@code out}, or indented one field a line; {@code out} is flushed,
     * not closed.
     */
    public static void write(JsonNode node, OutputStream out, boolean pretty) throws IOException {
        try (JsonGenerator generator = generator(out)) {
            if (pretty) {
                generator.useDefaultPrettyPrinter();
            }
            write(generator, node);
        }
    }

    /** A generator of compact JSON onto {@code out}, which its close flushes but does not close. */
    public static JsonGenerator generator(OutputStream out) throws IOException {
        return FACTORY.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    /** Writes {@code node} as the next value of {@code out}. */
    public static void write(JsonGenerator out, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT:
                out.writeStartObject();
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    out.writeFieldName(field.getKey());
                    write(out, field.getValue());
                }
                out.writeEndObject();
                return;
            case ARRAY:
                out.writeStartArray();
                for (int i = 0; i < node.size(); i++) {
                    write(out, node.get(i));
                }
                out.writeEndArray();
                return;
            case STRING:
                out.writeString(node.textValue());
                return;
            case NUMBER:
                writeNumber(out, node);
                return;
            case BOOLEAN:
                out.writeBoolean(node.booleanValue());
                return;
            case NULL:
                out.writeNull();
                return;
            case BINARY:
                out.writeBinary(node.binaryValue());
                return;
            case POJO:
                Object value = ((POJONode) node).getPojo();
                if (value instanceof Written) {
                    ((Written) value).writeTo(out);
                    return;
                }
                out.writeNull(); // no other kind is built into a result
                return;
            default: // MISSING: livetune builds none into a result
                out.writeNull();
        }
    }

    private static void writeNumber(JsonGenerator out, JsonNode node) throws IOException {
        switch (node.numberType()) {
            case INT:
                out.writeNumber(node.intValue());
                return;
            case LONG:
                out.writeNumber(node.longValue());
                return;
            case BIG_INTEGER:
                out.writeNumber(node.bigIntegerValue());
                return;
            case FLOAT:
                out.writeNumber(node.floatValue());
                return;
            case BIG_DECIMAL:
                out.writeNumber(node.decimalValue());
                return;
            default:
                out.writeNumber(node.doubleValue());
        }
    }

    /** A value already written elsewhere (a POJO node holding one is written by it). */
    public interface Written {
        /** Writes itself as the next value of {@code out}. */
        void writeTo(JsonGenerator out) throws IOException;
    }

    /**
     * Makes the strings of every {@code enum} in a schema print themselves as JSON without an
     * ObjectMapper. networknt's EnumValidator calls {@code toString()} on each choice when the
     * schema is compiled, and Jackson's {@code JsonNode.toString()} builds a whole ObjectMapper
     * the first time it runs in a JVM: tens of milliseconds of every task for four quotes.
     */
    static void lightenEnums(JsonNode schema) {
        if (schema.isArray()) {
            for (JsonNode item : schema) {
                lightenEnums(item);
            }
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = schema.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (field.getKey().equals("enum") && value.isArray()) {
                ArrayNode choices = (ArrayNode) value;
                for (int i = 0; i < choices.size(); i++) {
                    if (choices.get(i).isTextual() && !(choices.get(i) instanceof QuotedText)) {
                        choices.set(i, new QuotedText(choices.get(i).textValue()));
                    }
                }
            } else {
                lightenEnums(value);
            }
        }
    }

    /** A text node like any other (equal to it, same hash), whose toString() is written here. */
    private static final class QuotedText extends TextNode {
        private static final long serialVersionUID = 1L;

        QuotedText(String text) {
            super(text);
        }

        @Override
        public String toString() {
            return write(this);
        }
    }
}
