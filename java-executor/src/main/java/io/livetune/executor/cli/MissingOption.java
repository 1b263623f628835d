package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

/**
 * The modules' {@code missing} argument as a flag (a picocli mixin). Its name is the
 * argument's with dashes, as modules.Front spells it in the hint of a failure.
 */
final class MissingOption {
    enum Missing { fail, ignore }

    @Option(names = "--missing", paramLabel = "fail|ignore",
            description = "When nothing matches (a process not running, no such socket): fail (the default) "
                    + "or ignore (say so, change nothing, exit status 0).")
    Missing missing;

    void applyTo(ObjectNode args) {
        if (missing != null) {
            args.put("missing", missing.name());
        }
    }
}
