package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import io.livetune.executor.text.Suggestions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A module's JSON Schema, bundled in the jar: validates task arguments and phrases each
 * failure as "field: rule", the rule worded from the schema itself so the message and the
 * check can never disagree.
 */
public final class ModuleSchema {
    private final ObjectNode schema;
    private final JsonSchema validator;

    private ModuleSchema(ObjectNode schema) {
        this.schema = schema;
        Json.lightenEnums(schema);
        this.validator = SchemaFactory.INSTANCE.getSchema(schema);
    }

    /** Loads schemas/NAME.schema.json; {@code completer} may add generated parts (the option registry). */
    public static ModuleSchema load(String module, Consumer<ObjectNode> completer) {
        ObjectNode schema = resource(module);
        completer.accept(schema);
        return new ModuleSchema(schema);
    }

    /** A schema file bundled in the jar: schemas/NAME.schema.json. */
    static ObjectNode resource(String name) {
        String resource = "/schemas/" + name + ".schema.json";
        try (InputStream in = ModuleSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema " + resource + " is missing from the jar");
            }
            return (ObjectNode) Json.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ObjectNode json() {
        return schema;
    }

    /** Converts ad-hoc k=v strings to the types the schema declares (see {@link AdHocValues}). */
    public JsonNode coerce(JsonNode args) {
        return AdHocValues.coerce(args, schema);
    }

    /** Fails with the first violation, in a stable order, as "field: rule". */
    public void validate(JsonNode args) {
        Set<ValidationMessage> messages = validator.validate(args);
        if (messages.isEmpty()) {
            return;
        }
        List<ValidationMessage> sorted = new ArrayList<>(messages);
        sorted.sort(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                .thenComparing(ValidationMessage::getType));
        throw new TaskFailure(phrase(sorted.get(0)));
    }

    private String phrase(ValidationMessage message) {
        String field = fieldName(message);
        JsonNode ruleSchema = schemaHolding(message);
        switch (message.getType()) {
            case "additionalProperties":
                return unknownField(field, message.getProperty(), ruleSchema);
            case "required":
                return join(field, message.getProperty()) + ": is required";
            default:
                return (field.isEmpty() ? "arguments" : field) + ": " + SchemaRules.describe(ruleSchema);
        }
    }

    /** The schema object whose keyword failed (the message points at the keyword itself). */
    private JsonNode schemaHolding(ValidationMessage message) {
        com.networknt.schema.JsonNodePath keyword = message.getSchemaLocation().getFragment();
        JsonNode node = schema;
        for (int i = 0; i < keyword.getNameCount() - 1; i++) {
            Object element = keyword.getElement(i);
            node = element instanceof Integer ? node.path((Integer) element) : node.path(element.toString());
        }
        return node;
    }

    private String unknownField(String parent, String name, JsonNode parentSchema) {
        Set<String> known = new TreeSet<>();
        parentSchema.path("properties").fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                known.add(n);
            }
        });
        if (parent.equals("options")) {
            return "options." + name + ": unknown option" + Suggestions.didYouMean(name, known)
                    + " (an option livetune does not know can be set with raw: {level, optname, value})";
        }
        return (parent.isEmpty() ? "" : parent + ".") + name + ": unknown parameter"
                + Suggestions.didYouMean(name, known);
    }

    /** "options.so_rcvbuf", "raw[0].level", "" for the top level. */
    static String fieldName(ValidationMessage message) {
        StringBuilder path = new StringBuilder();
        com.networknt.schema.JsonNodePath location = message.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer) {
                path.append('[').append(element).append(']');
            } else {
                path.append(path.length() == 0 ? "" : ".").append(element);
            }
        }
        return path.toString();
    }

    private static String join(String parent, String child) {
        return parent.isEmpty() ? child : parent + "." + child;
    }
}
