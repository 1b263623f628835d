package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        JsonNode raw;
        try {
            raw = Json.read(input);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return failure("module arguments are not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            return failure("module arguments are not valid JSON: " + e.getMessage()); // reading a String: not seen
        }
        if (raw == null || !raw.isObject()) {
            return failure("module arguments must be one JSON object");
        }
        Task task = Task.from(raw);
        try {
            JsonNode args = module.schema().coerce(module.normalise(raw));
            module.schema().validate(args);
            module.run(args, task);
            return finish(task, false, "");
        } catch (TaskFailure e) {
            ObjectNode result = finish(task, true, e.getMessage());
            attachException(result, e.getCause() != null ? e.getCause() : e, task.verbosity());
            return result;
        } catch (RuntimeException | Error e) {
            ObjectNode result = finish(task, true, "livetune failed unexpectedly: " + e
                    + " (run with -vvv for the stack trace, and please report it)");
            attachException(result, e, task.verbosity());
            return result;
        }
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
