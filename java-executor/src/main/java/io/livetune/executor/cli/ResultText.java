package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** How the human commands end a module's result: its warnings, then its message (or error). */
final class ResultText {
    private ResultText() {
    }

    static void printWarningsAndMessage(Io io, JsonNode result) {
        for (JsonNode warning : result.path("warnings")) {
            io.err().println("warning: " + warning.asText());
        }
        boolean failed = result.path("failed").asBoolean();
        (failed ? io.err() : io.out()).println((failed ? "error: " : "") + result.path("msg").asText());
    }
}
