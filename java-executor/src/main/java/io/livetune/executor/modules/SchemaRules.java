package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Words a JSON Schema fragment as the rule a value must follow: "must be an integer >= 0". */
final class SchemaRules {
    private SchemaRules() {
    }

    static String describe(JsonNode schema) {
        return describe(schema, null);
    }

    /**
     * @param value the value that broke the rule, or null: a number above an implicit maximum
     *              (2^31 - 1, which the rule otherwise leaves unsaid) makes it said
     */
    static String describe(JsonNode schema, JsonNode value) {
        if (schema.has("anyOf")) {
            List<String> alternatives = new ArrayList<>();
            schema.get("anyOf").forEach(alternative ->
                    alternatives.add(describe(alternative, value).replaceFirst("^must be ", "")));
            return "must be " + String.join(", or ", alternatives);
        }
        if (schema.has("enum")) {
            List<String> choices = new ArrayList<>();
            schema.get("enum").forEach(choice -> choices.add(choice.asText()));
            return "must be one of: " + String.join(", ", choices);
        }
        List<String> types = new ArrayList<>();
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (type.isTextual()) {
            types.add(type.asText());
        }
        if (types.contains("integer") && types.contains("array")) {
            return "must be " + integer(schema, value) + " or a list of them";
        }
        if (types.contains("integer")) {
            return "must be " + integer(schema, value);
        }
        if (types.contains("boolean")) {
            return "must be a boolean (true or false)";
        }
        if (types.contains("string")) {
            return "must be a string" + (schema.has("maxLength")
                    ? " of " + schema.path("minLength").asInt(0) + " to " + schema.get("maxLength").asInt() + " characters"
                    : schema.has("minLength") ? " that is not empty" : "");
        }
        if (types.contains("array")) {
            return schema.path("items").has("enum") ? "must be a list of: " + String.join(", ", words(schema.get("items").get("enum")))
                    : "must be a list";
        }
        if (types.contains("object")) {
            List<String> keys = new ArrayList<>();
            schema.path("properties").fieldNames().forEachRemaining(keys::add);
            return keys.isEmpty() ? "must be a dict" : "must be a dict with keys " + String.join(", ", keys)
                    + (schema.has("required") ? " (" + schema.get("required").get(0).asText() + " is required)" : "");
        }
        return "is not valid";
    }

    private static List<String> words(JsonNode choices) {
        List<String> words = new ArrayList<>();
        choices.forEach(choice -> words.add(choice.asText()));
        return words;
    }

    private static String integer(JsonNode schema, JsonNode value) {
        boolean hasMin = schema.has("minimum");
        boolean tooBig = value != null && value.isNumber() && schema.has("maximum")
                && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0;
        boolean hasMax = schema.has("maximum") && (schema.get("maximum").asLong() < Integer.MAX_VALUE || tooBig);
        if (hasMin && hasMax) {
            return "an integer from " + schema.get("minimum").asLong() + " to " + schema.get("maximum").asLong();
        }
        if (hasMin) {
            return "an integer >= " + schema.get("minimum").asLong();
        }
        if (hasMax) {
            return "an integer <= " + schema.get("maximum").asLong();
        }
        return "an integer";
    }
}
