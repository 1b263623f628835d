package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Json;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketSetting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one socket reports now and will report after the task, setting by setting, in the
 * kernel's terms. Built from a live read; after applying, {@code after} holds the read-back.
 */
final class SocketPlan {
    final ScannedSocket target;
    final Map<SocketSetting, JsonNode> requested = new LinkedHashMap<>();
    final Map<SocketSetting, JsonNode> before = new LinkedHashMap<>();
    final Map<SocketSetting, JsonNode> after = new LinkedHashMap<>();
    boolean changed;
    /** How the socket was reached (pidfd or ptrace), once it was read. */
    AccessMethod method;
    /** Read-backs that differ from what livetune expected the kernel to report. */
    private final List<String> surprises = new ArrayList<>();

    SocketPlan(ScannedSocket target) {
        this.target = target;
    }

    void add(SocketSetting setting, JsonNode request, JsonNode current, JsonNode expected) {
        requested.put(setting, request);
        before.put(setting, current);
        after.put(setting, expected);
    }

    /** What the kernel reports after the change; a value other than the expected one is noted. */
    void readBack(SocketSetting setting, JsonNode reported) {
        if (!reported.equals(after.get(setting))) {
            surprises.add(setting.name() + ": the kernel reports " + reported + " after setting "
                    + requested.get(setting) + " on " + target.describe() + " (livetune expected "
                    + after.get(setting) + ")");
        }
        after.put(setting, reported);
    }

    List<String> unexpectedReadBacks() {
        return surprises;
    }

    /** The settings whose value must change. */
    Map<SocketSetting, JsonNode> differences() {
        Map<SocketSetting, JsonNode> differences = new LinkedHashMap<>();
        for (Map.Entry<SocketSetting, JsonNode> entry : after.entrySet()) {
            if (!entry.getValue().equals(before.get(entry.getKey()))) {
                differences.put(entry.getKey(), requested.get(entry.getKey()));
            }
        }
        return differences;
    }

    boolean needsChange() {
        return !differences().isEmpty();
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("pid", target.pid());
        json.put("fd", target.fd());
        json.put("inode", target.socket().inode());
        json.put("process", target.process().name());
        json.put("protocol", target.socket().protocol().label());
        json.put("family", target.socket().family().label());
        json.put("state", target.socket().state().label());
        json.put("local", target.socket().local());
        json.put("remote", target.socket().remote());
        if (!target.otherHolders().isEmpty()) {
            ArrayNode shared = json.putArray("shared_with");
            for (ScannedSocket.Holder holder : target.otherHolders()) {
                shared.addObject().put("pid", holder.pid()).put("fd", holder.fd()).put("process", holder.name());
            }
        }
        if (method != null) {
            json.put("method", method.label());
        }
        json.put("changed", changed);
        json.set("before", values(before));
        json.set("after", values(after));
        return json;
    }

    /**
     * before/after as diff text, one "name: value" line per setting. The values are written by
     * {@link Json}: JsonNode.toString() would build Jackson's ObjectMapper behind it, tens of
     * milliseconds of every --diff task's start (a drift check's).
     */
    static String text(Map<SocketSetting, JsonNode> values) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<SocketSetting, JsonNode> value : values.entrySet()) {
            text.append(value.getKey().name()).append(": ").append(Json.write(value.getValue())).append('\n');
        }
        return text.toString();
    }

    private static ObjectNode values(Map<SocketSetting, JsonNode> values) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<SocketSetting, JsonNode> value : values.entrySet()) {
            json.set(value.getKey().name(), value.getValue());
        }
        return json;
    }
}
