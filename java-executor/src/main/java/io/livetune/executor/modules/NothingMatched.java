package io.livetune.executor.modules;

/**
 * The one rule for selectors that match nothing (a service that is not running, a port no
 * socket uses): a failure that says how to accept it, or with {@code missing: ignore} a
 * message and no change. The hint names the argument as the caller's front spells it.
 */
public final class NothingMatched {
    private NothingMatched() {
    }

    /** Fails with {@code what} and the hint, or (ignoring) puts {@code what} in the result's msg. */
    public static void handle(String what, boolean ignoreMissing, Task task) {
        Front front = task.front();
        if (!ignoreMissing) {
            throw new TaskFailure(what + " (" + front.toSet("missing", "ignore") + " to accept that)");
        }
        task.result().put("msg", what + "; nothing to do (" + front.argument("missing", "ignore") + ")");
    }
}
