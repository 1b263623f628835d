package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
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
 * schema's declared types, with Ansible's own spellings of booleans and of dictionaries
 * (JSON, or `key=value` pairs as in `options='so_rcvbuf=8388608 tcp_nodelay=yes'`). A string
 * that does not convert is left alone, so validation then names the field and the rule.
 */
final class AdHocValues {
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
            for (JsonNode item : value) {
                copy.add(coerce(item, schema.get("items")));
            }
            return copy;
        }
        return value;
    }

    private static JsonNode fromText(String text, JsonNode original, Set<String> types, JsonNode schema) {
        if (text.isEmpty()) {
            return original; // "pid=": validation names pid, not pid[0]
        }
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
        if (types.contains("object") && !text.startsWith("{") && text.contains("=")) {
            return coerce(keyValues(text), schema);
        }
        if ((types.contains("object") && text.startsWith("{")) || (types.contains("array") && text.startsWith("["))) {
            try {
                return coerce(Json.read(text), schema);
            } catch (IOException e) {
                return original; // not JSON: validation reports the type
            }
        }
        return original;
    }

    /**
     * "a=1, b='x y' c=2" as a dictionary of strings, split the way ansible-core's
     * check_type_dict splits it: on commas and spaces outside quotes, a backslash escaping the
     * next character, each field at its first "=". A field without "=" becomes a key with an
     * empty value, so that validation names it ("options.tcp_nodelay: must be a boolean ...").
     */
    private static ObjectNode keyValues(String text) {
        ObjectNode dict = JsonNodeFactory.instance.objectNode();
        StringBuilder field = new StringBuilder();
        char quote = 0;
        boolean escaped = false;
        for (char c : (text + ' ').toCharArray()) {
            if (escaped) {
                field.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == ',' || c == ' ')) {
                if (field.length() > 0) {
                    int equals = field.indexOf("=");
                    dict.put(equals < 0 ? field.toString() : field.substring(0, equals),
                            equals < 0 ? "" : field.substring(equals + 1));
                    field.setLength(0);
                }
            } else {
                field.append(c);
            }
        }
        return dict;
    }

    private static Set<String> types(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            return Set.of(type.asText());
        }
        java.util.HashSet<String> types = new java.util.HashSet<>();
        for (JsonNode t : type) {
            types.add(t.asText());
        }
        return types;
    }
}
