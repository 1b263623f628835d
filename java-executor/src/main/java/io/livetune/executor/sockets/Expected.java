package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value the kernel will report after a change, and why it differs from the request, if it does.
 *
 * @param warning a message for the user when the kernel will not keep what was asked (a clamp), else null
 */
public record Expected(JsonNode value, String warning) {
    public static Expected exactly(JsonNode value) {
        return new Expected(value, null);
    }

    public static Expected adjusted(JsonNode value, String warning) {
        return new Expected(value, warning);
    }
}
