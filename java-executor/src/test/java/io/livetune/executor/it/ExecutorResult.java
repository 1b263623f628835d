package io.livetune.executor.it;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The one JSON object the executor printed, with accessors named after the protocol's fields. */
final class ExecutorResult {
    private final JsonNode json;
    private final String args;

    ExecutorResult(JsonNode json, String args) {
        this.json = json;
        this.args = args;
    }

    JsonNode json() {
        return json;
    }

    boolean changed() {
        return json.get("changed").asBoolean();
    }

    boolean failed() {
        return json.get("failed").asBoolean();
    }

    String msg() {
        return json.path("msg").asText("");
    }

    List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        json.path("warnings").forEach(w -> warnings.add(w.asText()));
        return warnings;
    }

    /** The diff entries; empty when there is no diff (absent, null or []). */
    List<JsonNode> diff() {
        List<JsonNode> entries = new ArrayList<>();
        JsonNode diff = json.path("diff");
        if (diff.isArray()) {
            diff.forEach(entries::add);
        } else if (diff.isObject()) {
            entries.add(diff);
        }
        return entries;
    }

    boolean hasDiff() {
        return json.has("diff") && !json.get("diff").isNull();
    }

    List<JsonNode> sockets() {
        List<JsonNode> sockets = new ArrayList<>();
        json.path("sockets").forEach(sockets::add);
        return sockets;
    }

    /** The entry of {@code sockets} for that socket inode (each socket is listed once). */
    JsonNode socket(long inode) {
        List<JsonNode> matching = sockets().stream().filter(s -> s.path("inode").asLong() == inode)
                .collect(Collectors.toList());
        if (matching.size() != 1) {
            throw new AssertionError("expected one entry for inode " + inode + " in sockets, found "
                    + matching.size() + ": " + this);
        }
        return matching.get(0);
    }

    /** The entry for a socket of the target, found by its inode. */
    JsonNode socket(TargetSocket socket) {
        return socket(socket.inode());
    }

    @Override
    public String toString() {
        return "\nexecutor args: " + args + "\nexecutor result: " + json.toPrettyString();
    }
}
