package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Set;

/** One run of a module: the controller's flags, and the result being built, even if it fails half-way. */
public final class Task {
    private final boolean checkMode;
    private final boolean diff;
    private final int verbosity;
    private final Front front;
    private final ObjectNode result = JsonNodeFactory.instance.objectNode();
    private final Set<String> warnings = new LinkedHashSet<>();
    private final ArrayNode diffs = JsonNodeFactory.instance.arrayNode();
    private boolean changed;

    public Task(boolean checkMode, boolean diff, int verbosity) {
        this(checkMode, diff, verbosity, Front.ANSIBLE);
    }

    private Task(boolean checkMode, boolean diff, int verbosity, Front front) {
        this.checkMode = checkMode;
        this.diff = diff;
        this.verbosity = verbosity;
        this.front = front;
    }

    static Task from(JsonNode args, Front front) {
        return new Task(args.path("_check_mode").asBoolean(false), args.path("_diff").asBoolean(false),
                args.path("_verbosity").asInt(0), front);
    }

    public boolean checkMode() {
        return checkMode;
    }

    public boolean diff() {
        return diff;
    }

    public int verbosity() {
        return verbosity;
    }

    /** Who asked: messages name arguments as that front spells them. */
    public Front front() {
        return front;
    }

    /** The module's own result fields. */
    public ObjectNode result() {
        return result;
    }

    /** A warning is shown once however many sockets raise it. */
    public void warn(String warning) {
        warnings.add(warning);
    }

    public void changed() {
        this.changed = true;
    }

    public boolean isChanged() {
        return changed;
    }

    /** Adds one before/after pair to the task's diff (kept only in diff mode). */
    public void addDiff(String header, String before, String after) {
        if (diff) {
            ObjectNode entry = diffs.addObject();
            entry.put("before_header", header);
            entry.put("after_header", header);
            entry.put("before", before);
            entry.put("after", after);
        }
    }

    /** The warnings so far, in order (read-only). */
    public java.util.List<String> warningList() {
        return java.util.List.copyOf(warnings);
    }

    /** The diff entries so far (a copy). */
    public ArrayNode diffEntries() {
        return diffs.deepCopy();
    }

    Set<String> warnings() {
        return warnings;
    }

    ArrayNode diffs() {
        return diffs;
    }
}
