package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.InvalidArguments;
import io.livetune.executor.sockets.AccessMethod;
import io.livetune.executor.sockets.Backlog;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.RawOption;
import io.livetune.executor.sockets.SocketSetting;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arguments of one socket_option task, after schema validation: which sockets (a
 * {@link Selection}, with exactly one process selector) and what to set on them ({@link #parse}).
 *
 * @param selection which sockets of which processes
 * @param settings what to set, in the order given
 * @param force force: past net.core.rmem_max/wmem_max
 * @param ignoreMissing missing: ignore
 * @param strict a socket that goes away mid-task fails the task instead of being left alone with a warning
 * @param method how sockets are reached (pidfd, ptrace, auto)
 */
record SocketOptionRequest(Selection selection, Map<SocketSetting, JsonNode> settings, boolean force,
        boolean ignoreMissing, boolean strict, AccessMethod method) {

    static SocketOptionRequest parse(JsonNode args) {
        return new SocketOptionRequest(Selection.parse(args, true), settings(args), args.path("force").asBoolean(false),
                "ignore".equals(args.path("missing").asText("fail")), args.path("strict").asBoolean(false),
                AccessMethod.of(args));
    }

    private static Map<SocketSetting, JsonNode> settings(JsonNode args) {
        Map<SocketSetting, JsonNode> settings = new LinkedHashMap<>();
        java.util.Iterator<Map.Entry<String, JsonNode>> options = args.path("options").fields();
        while (options.hasNext()) {
            Map.Entry<String, JsonNode> entry = options.next();
            settings.put(OptionRegistry.get(entry.getKey()), entry.getValue());
        }
        int index = 0;
        for (JsonNode raw : args.path("raw")) {
            RawOption option = new RawOption(raw.get("level").asInt(), raw.get("optname").asInt());
            if (settings.put(option, raw.get("value")) != null) {
                throw new InvalidArguments("raw[" + index + "]: level " + option.level() + " optname " + option.optname()
                        + " is given twice; give it once");
            }
            index++;
        }
        if (args.has("backlog")) {
            settings.put(Backlog.INSTANCE, args.get("backlog"));
        }
        if (settings.isEmpty()) {
            throw new InvalidArguments("nothing to set: give options, option and value, backlog or raw");
        }
        return settings;
    }
}
