package io.livetune.executor.modules;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One Ansible module: arguments in (already validated against {@link #schema()}), results out.
 * The Ansible front and the human CLI both call it; neither has its own implementation.
 */
public interface Module {

    /** Its name, as tasks and the schema file name it ({@code socket_option}). */
    String name();

    ModuleSchema schema();

    /**
     * Rewrites conveniences into the canonical arguments before they are validated (the
     * ad-hoc {@code option}/{@code value} short form, for instance). The default keeps them.
     */
    default JsonNode normalise(JsonNode args) {
        return args;
    }

    /**
     * Reads the live state, plans, applies unless {@code task.checkMode()}, verifies, and fills
     * {@code task.result()}. Throws {@link TaskFailure} for anything the operator must fix.
     */
    void run(JsonNode args, Task task);
}
