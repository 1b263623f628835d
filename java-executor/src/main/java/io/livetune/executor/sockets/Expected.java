package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;

/** The value the kernel will report after a change, and why it differs from the request, if it does. */
public final class Expected {
    private final JsonNode value;
    private final String warning;

    private Expected(JsonNode value, String warning) {
        this.value = value;
        this.warning = warning;
    }

    public static Expected exactly(JsonNode value) {
        return new Expected(value, null);
    }

    public static Expected adjusted(JsonNode value, String warning) {
        return new Expected(value, warning);
    }

    public JsonNode value() {
        return value;
    }

    /** A message for the user when the kernel will not keep what was asked (a clamp), else null. */
    public String warning() {
        return warning;
    }
}
