package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Ad-hoc tasks (`-a "local_port=80 force=yes pid=1,2"`) hand every value over as a string.
 * Ansible modules convert them through their argument spec; we convert them through the
 * schema's declared types, with Ansible's own spellings of booleans. A string that does not
 * convert is left alone, so validation then names the field and the rule.
 */
final class AdHocValues {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,18}");
    private static final Set<String> TRUE = Set.of("yes", "on", "1", "true", "y", "t");
    private static final Set<String> FALSE = Set.of("no", "off", "0", "false", "n", "f");

    private AdHocValues() {
    }

    static JsonNode coerce(JsonNode value, JsonNode schema) {
        if (value == null || schema == null || schema.isMissingNode()) {
            return value;
        }
        Set<String> types = types(schema);
        if (value.isTextual()) {
            return fromText(value.asText().trim(), value, types, schema);
        }
        if (value.isObject() && schema.has("properties")) {
            ObjectNode copy = ((ObjectNode) value).deepCopy();
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                copy.set(field.getKey(), coerce(field.getValue(), schema.path("properties").get(field.getKey())));
            }
            return copy;
        }
        if (value.isArray() && schema.has("items")) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            value.forEach(item -> copy.add(coerce(item, schema.get("items"))));
            return copy;
        }
        return value;
    }

    private static JsonNode fromText(String text, JsonNode original, Set<String> types, JsonNode schema) {
        if (types.contains("integer") && INTEGER.matcher(text).matches()) {
            long number = Long.parseLong(text);
            return number == (int) number ? JsonNodeFactory.instance.numberNode((int) number) : LongNode.valueOf(number);
        }
        if (types.contains("boolean")) {
            String lower = text.toLowerCase(Locale.ROOT);
            if (TRUE.contains(lower)) {
                return BooleanNode.TRUE;
            }
            if (FALSE.contains(lower)) {
                return BooleanNode.FALSE;
            }
        }
        if (types.contains("array") && !text.startsWith("[")) {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            for (String item : text.split(",")) {
                list.add(coerce(JsonNodeFactory.instance.textNode(item.trim()), schema.get("items")));
            }
            return list;
        }
        if ((types.contains("object") && text.startsWith("{")) || (types.contains("array") && text.startsWith("["))) {
            try {
                return coerce(JSON.readTree(text), schema);
            } catch (IOException e) {
                return original; // not JSON: validation reports the type
            }
        }
        return original;
    }

    private static Set<String> types(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            return Set.of(type.asText());
        }
        java.util.HashSet<String> types = new java.util.HashSet<>();
        type.forEach(t -> types.add(t.asText()));
        return types;
    }
}
