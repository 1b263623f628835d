package io.livetune.executor.modules.preload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.modules.memorylock.MemoryLockModule;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.SocketOption;
import io.livetune.executor.sockets.ValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code persist: true} of socket_option and memory_lock: the same task also writes the
 * selected unit's preload drop-in, so that the live change holds after the next restart.
 * The drop-in is preload_wrapper's own (the same checks, files and messages): what the task
 * sets is merged into what the drop-in already says (socket_option: the backlog and its
 * options, by name; memory_lock: LIVETUNE_MLOCK), and the rest of the drop-in is kept.
 *
 * <p>{@link #plan} runs before the live change and fails, naming why, when the drop-in
 * cannot be written (the processes chosen by pid, raw options, scope: text, a unit the
 * library cannot work in); {@link #apply} writes it after the live change succeeded.
 */
public final class Persistence {
    private static final String MODULES = SocketOptionModule.NAME + " and " + MemoryLockModule.NAME;

    private final PreloadWrapperModule preload;
    private final ObjectNode preloadArgs;

    private Persistence(PreloadWrapperModule preload, ObjectNode preloadArgs) {
        this.preload = preload;
        this.preloadArgs = preloadArgs;
    }

    /** Null unless the task says persist: true; fails (nothing changed) when it cannot be persisted. */
    public static Persistence plan(Module module, JsonNode args, Task task, PreloadHost host) {
        if (!args.path("persist").asBoolean(false)) {
            return null;
        }
        boolean socketOption = module instanceof SocketOptionModule;
        if (!socketOption && !(module instanceof MemoryLockModule)) {
            throw new TaskFailure("persist: only " + MODULES + " take it");
        }
        if (!args.has("unit")) {
            String by = List.of("pid", "pidfile", "process", "cmdline").stream().filter(args::has).findFirst().orElse("?");
            throw new TaskFailure("persist: the processes are chosen by " + by + ", and only a systemd unit has a "
                    + "drop-in to persist to: choose them with unit, or start the program through a wrapper "
                    + "(livetune.process.preload_wrapper); nothing was changed");
        }
        String unit = SystemdUnit.normalise(args.get("unit").asText());
        PreloadWrapperModule preload = new PreloadWrapperModule(host);
        ObjectNode merged = current(host, unit);
        if (socketOption) {
            mergeSocketOption(args, merged, task);
        } else {
            mergeMemoryLock(args, merged, task);
        }
        boolean empty = !merged.has("backlog") && merged.path("options").isEmpty() && !merged.has("mlock")
                && !merged.has("trace");
        ObjectNode preloadArgs = JsonNodeFactory.instance.objectNode().put("unit", unit);
        if (empty) {
            preloadArgs.put("state", "absent"); // nothing left for the library to do
        } else {
            preloadArgs.setAll(merged);
        }
        Persistence persistence = new Persistence(preload, preloadArgs);
        persistence.run(new Task(true, false, task.verbosity()), "; nothing was changed"); // every check, before the live change
        return persistence;
    }

    /** Writes (or removes) the drop-in, after the live change; its results go to {@code persisted}. */
    public void apply(Task task) {
        Task sub = new Task(task.checkMode(), task.diff(), task.verbosity());
        run(sub, task.isChanged() ? " (the live change was made)" : "");
        if (sub.isChanged()) {
            task.changed();
        }
        for (JsonNode entry : sub.diffEntries()) {
            task.addDiff(entry.path("before_header").asText(), entry.path("before").asText(), entry.path("after").asText());
        }
        sub.warningList().forEach(warning -> task.warn("persist: " + warning));
        ObjectNode persisted = sub.result().deepCopy();
        persisted.put("changed", sub.isChanged());
        task.result().set("persisted", persisted);
        String msg = task.result().path("msg").asText("");
        task.result().put("msg", (msg.isEmpty() ? "" : msg + "; ") + "persist: " + persisted.path("msg").asText());
    }

    private void run(Task sub, String context) {
        JsonNode args = preload.schema().coerce(preloadArgs);
        try {
            preload.schema().validate(args);
            preload.run(args, sub);
        } catch (TaskFailure e) {
            String hint = e.getMessage().contains("set library_dir") ? " (persist keeps the library_dir of the unit's "
                    + "livetune drop-in: write that once with livetune.process.preload_wrapper and library_dir)" : "";
            throw new TaskFailure("persist: " + e.getMessage() + hint + (e.getMessage().endsWith(context) ? "" : context), e);
        }
    }

    /** What livetune's drop-in of the unit says now, as preload_wrapper arguments (empty when there is none). */
    static ObjectNode current(PreloadHost host, String unit) {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        Path local = host.path(SystemdUnit.dropInPath(unit));
        if (!Files.isRegularFile(local)) {
            return args;
        }
        String text;
        try {
            text = new String(Files.readAllBytes(local), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TaskFailure("persist: cannot read " + SystemdUnit.dropInPath(unit) + ": " + e.getMessage());
        }
        if (!text.contains(ManagedFile.MARKER)) {
            return args; // preload_wrapper refuses to replace it, with the reason
        }
        Map<String, String> environment = new LinkedHashMap<>();
        for (String[] setting : SystemdUnit.settings(text, "Service")) {
            if (setting[0].equals("Environment")) {
                for (String word : SystemdUnit.words(setting[1])) {
                    int equals = word.indexOf('=');
                    if (equals > 0) {
                        environment.put(word.substring(0, equals), word.substring(equals + 1).replace("%%", "%"));
                    }
                }
            }
        }
        String preload = environment.getOrDefault(PreloadSettings.LD_PRELOAD, "").trim().split("\\s+")[0];
        String suffix = "/" + PreloadRequest.LIBRARY_NAME;
        if (preload.endsWith(suffix) && preload.length() > suffix.length()) {
            args.put("library_dir", preload.substring(0, preload.length() - suffix.length()));
        }
        if (environment.containsKey(PreloadSettings.BACKLOG)) {
            args.put("backlog", Long.parseLong(environment.get(PreloadSettings.BACKLOG)));
        }
        ObjectNode options = args.putObject("options");
        for (String pair : environment.getOrDefault(PreloadSettings.OPTIONS, "").trim().split("\\s+")) {
            int equals = pair.indexOf('=');
            SocketOption option = equals > 0 ? OptionRegistry.get(pair.substring(0, equals)) : null;
            if (option != null) {
                options.set(option.name(), unspell(option.type(), pair.substring(equals + 1)));
            }
        }
        if (environment.containsKey(PreloadSettings.MLOCK)) {
            ArrayNode words = args.putArray("mlock");
            for (String word : environment.get(PreloadSettings.MLOCK).split(",")) {
                words.add(word);
            }
        }
        if (environment.containsKey(PreloadSettings.TRACE)) {
            args.put("trace", environment.get(PreloadSettings.TRACE));
        }
        if ("1".equals(environment.get(PreloadSettings.RESPECT_APP))) {
            args.put("respect_app", true);
        }
        return args;
    }

    /** A value of LIVETUNE_OPTIONS back as the JSON the schema takes ({@link PreloadSettings#spell} reversed). */
    private static JsonNode unspell(ValueType type, String text) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        switch (type) {
            case BOOL:
                return json.booleanNode(!text.equals("0"));
            case LINGER:
                String[] parts = text.split(":");
                ObjectNode linger = json.objectNode().put("enabled", !parts[0].equals("0"));
                return parts.length > 1 ? linger.put("seconds", Integer.parseInt(parts[1])) : linger;
            case STRING:
                return json.textNode(text);
            default:
                return json.numberNode(Long.parseLong(text));
        }
    }

    private static void mergeSocketOption(JsonNode args, ObjectNode merged, Task task) {
        if (args.has("raw")) {
            throw new TaskFailure("persist: raw options cannot be persisted: the preload library sets the registry's "
                    + "options only; nothing was changed");
        }
        if (args.has("backlog")) {
            merged.set("backlog", args.get("backlog"));
        }
        ObjectNode options = merged.has("options") ? (ObjectNode) merged.get("options") : merged.putObject("options");
        args.path("options").fields().forEachRemaining(entry -> options.set(entry.getKey(), entry.getValue()));
        List<String> filters = new java.util.ArrayList<>();
        for (String filter : List.of("fd", "protocol", "family", "state", "local_port", "local_address", "remote_port",
                "remote_address")) {
            if (args.has(filter)) {
                filters.add(filter + "=" + args.get(filter).toString().replace("\"", ""));
            }
        }
        if (!filters.isEmpty()) {
            task.warn("persist: after a restart the library sets these on every new socket of the unit's programs that "
                    + "takes them, not only on those " + String.join(" ", filters) + " picks");
        }
    }

    private static void mergeMemoryLock(JsonNode args, ObjectNode merged, Task task) {
        if ("text".equals(args.path("scope").asText("all"))) {
            throw new TaskFailure("persist: scope: text cannot be persisted: the preload library locks with mlockall "
                    + "(scope: all); nothing was changed");
        }
        merged.remove("mlock");
        if (!"unlocked".equals(args.path("state").asText("locked"))) {
            ArrayNode words = merged.putArray("mlock").add("current");
            if (args.path("future").asBoolean(false)) {
                words.add("future");
            }
            if (args.path("onfault").asBoolean(false)) {
                words.add("onfault");
            }
            if (args.path("raise_limit").asBoolean(false)) {
                task.warn("persist: raise_limit is not persisted: the library cannot raise RLIMIT_MEMLOCK; give the unit "
                        + "LimitMEMLOCK= (or CAP_IPC_LOCK) if it must lock more than its limit");
            }
        }
    }
}
