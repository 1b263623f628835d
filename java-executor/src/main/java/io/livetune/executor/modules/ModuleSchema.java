package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.SocketOption;
import io.livetune.executor.text.Suggestions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A module's JSON Schema, bundled in the jar: validates task arguments and phrases each
 * failure as "field: rule", the rule worded from the schema itself so the message and the
 * check can never disagree.
 */
public final class ModuleSchema {
    /** Task parameters that the action plugin takes and removes (plugin_utils/executor.py CONTROLLER_OPTIONS). */
    private static final Set<String> CONTROLLER_PARAMETERS = Set.of("java_executable");
    /** Ends the message for an unknown key of {@code options} (the CLI, which has no raw, words it its own way). */
    public static final String RAW_HINT = " (an option livetune does not know can be set with raw: {level, optname, value})";

    private final ObjectNode schema;
    /**
     * networknt's compiled schema, made by the first {@link #validate}: a task whose arguments
     * validated before ({@link ValidatedArguments}) never loads networknt's classes.
     */
    private JsonSchema validator;

    private ModuleSchema(ObjectNode schema) {
        this.schema = schema;
        Json.lightenEnums(schema);
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
        if (validator == null) {
            validator = SchemaFactory.INSTANCE.getSchema(schema);
        }
        Set<ValidationMessage> messages = validator.validate(args);
        if (messages.isEmpty()) {
            return;
        }
        List<ValidationMessage> sorted = new ArrayList<>(messages);
        sorted.sort(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                .thenComparing(ValidationMessage::getType));
        throw new InvalidArguments(phrase(sorted.get(0)));
    }

    private String phrase(ValidationMessage message) {
        String field = fieldName(message);
        JsonNode ruleSchema = schemaHolding(message);
        JsonNode value = message.getInstanceNode();
        switch (message.getType()) {
            case "additionalProperties":
                return unknownField(field, message.getProperty(),
                        value == null ? null : value.get(message.getProperty()), ruleSchema);
            case "required":
                return join(field, message.getProperty()) + ": is required";
            default:
                if (field.equals("options") && ruleSchema.path("properties").size() > 0) {
                    return "options: must be a dict of option names and values, such as {so_rcvbuf: 1048576, "
                            + "tcp_nodelay: true} (ansible-doc livetune.process.socket_option lists every option)";
                }
                return (field.isEmpty() ? "arguments" : field) + ": " + SchemaRules.describe(ruleSchema, value)
                        + nearestChoice(ruleSchema, value);
        }
    }

    /** "; did you mean listen?" for state: listening, "" when no choice is near (or the rule is not a choice). */
    private static String nearestChoice(JsonNode ruleSchema, JsonNode value) {
        if (!ruleSchema.has("enum") || value == null || !value.isTextual()) {
            return "";
        }
        List<String> choices = new ArrayList<>();
        ruleSchema.get("enum").forEach(choice -> choices.add(choice.asText()));
        return Suggestions.didYouMean(value.asText(), choices);
    }

    /** The schema object whose keyword failed (the message points at the keyword itself). */
    private JsonNode schemaHolding(ValidationMessage message) {
        com.networknt.schema.JsonNodePath keyword = message.getSchemaLocation().getFragment();
        JsonNode node = schema;
        for (int i = 0; i < keyword.getNameCount() - 1; i++) {
            Object element = keyword.getElement(i);
            if ("anyOf".equals(element)) {
                break; // a value that fits none of the alternatives: the rule names them all
            }
            node = element instanceof Integer ? node.path((Integer) element) : node.path(element.toString());
        }
        return node;
    }

    private String unknownField(String parent, String name, JsonNode value, JsonNode parentSchema) {
        Set<String> known = new TreeSet<>();
        parentSchema.path("properties").fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                known.add(n);
            }
        });
        if (parent.equals("options")) {
            if (name.equals("backlog")) {
                return "options.backlog: unknown option; backlog is a parameter of its own: write backlog="
                        + (value != null && value.isValueNode() && !value.isNull() ? value.asText() : "N");
            }
            return "options." + name + ": unknown option" + Suggestions.didYouMean(name, known) + RAW_HINT;
        }
        if (parent.isEmpty()) {
            SocketOption option = OptionRegistry.get(name.toLowerCase(Locale.ROOT));
            if (option != null) {
                return name + ": " + socketOptionAsParameter(option.name(), value);
            }
        }
        if (parent.isEmpty()) {
            known.addAll(CONTROLLER_PARAMETERS); // a misspelt one reaches us: the action plugin passes it on
        }
        return (parent.isEmpty() ? "" : parent + ".") + name + ": unknown parameter"
                + Suggestions.didYouMean(name, known);
    }

    /**
     * A socket option given as a parameter of its own ({@code -a "pid=1234 so_rcvbuf=65536"}):
     * the two ways socket_option takes it, with the user's value; other modules point there.
     */
    private String socketOptionAsParameter(String option, JsonNode value) {
        String shown = value == null || value.isContainerNode() || value.isNull() ? "VALUE" : value.asText();
        if (schema.path("properties").has("options")) {
            return "not a parameter but a socket option: write options={" + option + ": " + shown + "} or option="
                    + option + " value=" + shown;
        }
        return "unknown parameter; " + option + " is a socket option, which livetune.process.socket_option sets "
                + "(options={" + option + ": " + shown + "})";
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
