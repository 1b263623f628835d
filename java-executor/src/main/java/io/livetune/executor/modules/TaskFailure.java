package io.livetune.executor.modules;

/**
 * A task fails with a message meant for the operator: what went wrong, for what field or
 * process, and what to do. Modules throw it; {@link ModuleRunner} turns it into
 * {@code failed: true}. Nothing below the module layer should reach the user in any other way.
 */
public class TaskFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaskFailure(String message) {
        super(message);
    }

    public TaskFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
