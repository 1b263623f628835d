package io.livetune.executor.modules.memorylock;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.Selection;
import io.livetune.executor.modules.InvalidArguments;
import io.livetune.executor.procfs.ProcessCriteria;
import java.util.function.Predicate;

/**
 * The arguments of one memory_lock task, after schema validation ({@link #parse}).
 *
 * @param processes which processes
 * @param lock state: locked (else unlocked)
 * @param textOnly scope: text (else all)
 * @param future future: MCL_FUTURE too
 * @param onFault onfault: MCL_ONFAULT / MLOCK_ONFAULT
 * @param raiseLimit raise_limit: raise RLIMIT_MEMLOCK with prlimit where it is too low
 * @param ignoreMissing missing: ignore
 */
record MemoryLockRequest(ProcessCriteria processes, boolean lock, boolean textOnly, boolean future,
        boolean onFault, boolean raiseLimit, boolean ignoreMissing) {

    static MemoryLockRequest parse(JsonNode args) {
        boolean lock = !"unlocked".equals(args.path("state").asText("locked"));
        boolean text = "text".equals(args.path("scope").asText("all"));
        boolean future = args.path("future").asBoolean(false);
        boolean onFault = args.path("onfault").asBoolean(false);
        if (future && !lock) {
            throw new InvalidArguments("future: only with state: locked (state: unlocked with scope: all also ends MCL_FUTURE)");
        }
        if (future && text) {
            throw new InvalidArguments("future: only with scope: all (MCL_FUTURE locks every new mapping, not only code)");
        }
        if (onFault && !lock) {
            throw new InvalidArguments("onfault: only with state: locked");
        }
        return new MemoryLockRequest(Selection.parseProcesses(args), lock, text, future, onFault,
                args.path("raise_limit").asBoolean(false), "ignore".equals(args.path("missing").asText("fail")));
    }

    /** Which mappings the task is about. */
    Predicate<MappingUsage> scope() {
        return textOnly ? MappingUsage::executable : mapping -> true;
    }

    String scopeName() {
        return textOnly ? "text" : "all";
    }

    String stateName() {
        return lock ? "locked" : "unlocked";
    }
}
