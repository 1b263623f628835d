package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.preload.Persistence;
import io.livetune.executor.modules.preload.PreloadHost;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs a module for Ansible: JSON text in, ONE JSON object out, whatever happens. Failures
 * become {@code failed: true} with a message; a Java stack trace is only attached, as
 * {@code exception}, when the controller runs with -vvv.
 */
public final class ModuleRunner {
    private ModuleRunner() {
    }

    public static ObjectNode run(Module module, String input) {
        return execute(module, input, Front.ANSIBLE, null).json();
    }

    /**
     * The same, with {@code persist: true} (socket_option, memory_lock) writing the unit's
     * preload drop-in on {@code host} (tests: a temporary root; null: this host) after the live change.
     */
    public static ObjectNode run(Module module, String input, PreloadHost host) {
        return execute(module, input, Front.ANSIBLE, host).json();
    }

    /** The result object, and whether it failed on the arguments themselves ({@link InvalidArguments}). */
    public static Outcome execute(Module module, String input) {
        return execute(module, input, Front.ANSIBLE, null);
    }

    /**
     * The same for a caller that is not an Ansible task ({@code front}: its messages name arguments its way).
     */
    public static Outcome execute(Module module, String input, Front front) {
        return execute(module, input, front, null);
    }

    private static Outcome execute(Module module, String input, Front front, PreloadHost host) {
        JsonNode raw;
        try {
            raw = Json.read(input);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new Outcome(failure("module arguments are not valid JSON: " + e.getOriginalMessage()), true);
        } catch (java.io.IOException e) {
            // reading a String: not seen
            return new Outcome(failure("module arguments are not valid JSON: " + e.getMessage()), true);
        }
        if (raw == null || !raw.isObject()) {
            return new Outcome(failure("module arguments must be one JSON object"), true);
        }
        Task task = Task.from(raw, front);
        try {
            // Most tasks repeat the arguments of an earlier one on the same target (a drift check,
            // a playbook run again): a set that validated before is served from the memo as it
            // was normalised and coerced then, without the schema or networknt. Only the very text
            // that validated matches, so bad input is always validated, with its message.
            ValidatedArguments validated = ValidatedArguments.ofThisRun();
            String key = validated.keyOf(module.name(), raw);
            JsonNode args = validated.argumentsFor(key);
            if (args == null) {
                // normalise sees the arguments as written (a module that wants them coerced first coerces them)
                args = module.schema().coerce(module.normalise(raw));
                module.schema().validate(args);
                validated.remember(key, args);
            }
            // before any change: it may refuse (and only when asked: most tasks need none of its classes)
            Persistence persistence = args.path("persist").asBoolean(false) ? Persistence.plan(module, args, task,
                    host != null ? host : PreloadHost.live()) : null;
            module.run(args, task);
            if (persistence != null) {
                persistence.apply(task);
            }
            return new Outcome(finish(task, false, ""), false);
        } catch (TaskFailure e) {
            ObjectNode result = finish(task, true, e.getMessage());
            attachException(result, e.getCause() != null ? e.getCause() : e, task.verbosity());
            return new Outcome(result, e instanceof InvalidArguments);
        } catch (RuntimeException | Error e) {
            ObjectNode result = finish(task, true, "livetune failed unexpectedly: " + e
                    + " (run with -vvv for the stack trace, and please report it)");
            attachException(result, e, task.verbosity());
            return new Outcome(result, false);
        }
    }

    /**
     * What {@link #execute} returns.
     *
     * @param json the one result object of docs/executor-protocol.md
     * @param invalidArguments the task failed on its arguments, before any process was looked at
     */
    public record Outcome(ObjectNode json, boolean invalidArguments) {
    }

    private static ObjectNode finish(Task task, boolean failed, String msg) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("changed", task.isChanged());
        out.put("failed", failed);
        JsonNode own = task.result().remove("msg"); // the module's own summary, when it succeeded
        out.put("msg", failed || own == null ? msg : own.asText());
        if (task.diff()) {
            out.set("diff", task.diffs());
        }
        ArrayNode warnings = out.putArray("warnings");
        for (String warning : task.warnings()) {
            warnings.add(warning);
        }
        out.setAll(task.result());
        return out;
    }

    private static ObjectNode failure(String msg) {
        return finish(new Task(false, false, 0), true, msg);
    }

    private static void attachException(ObjectNode result, Throwable e, int verbosity) {
        if (verbosity >= 3) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            result.put("exception", trace.toString());
        }
    }
}
