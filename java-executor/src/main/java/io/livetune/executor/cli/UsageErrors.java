package io.livetune.executor.cli;

import io.livetune.executor.modules.ModuleSchema;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A module's refusal of its arguments, when the arguments came from command-line flags: a
 * usage error (picocli's exit status 2, its message and the usage), with the field named as
 * the user typed it ({@code --port}, not {@code local_port}; {@code so_rcvbuf=...}, not
 * {@code options.so_rcvbuf}).
 */
final class UsageErrors {
    /** "options.so_rcvbuf: ", "pid[0]: ", "local_port: " at the head of a message. */
    private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9_]+)((?:\\.[A-Za-z0-9_]+|\\[\\d+])*): ");
    /** The selectors every command spells the same way. */
    static final Map<String, String> PROCESS_FLAGS = Map.of("pid", "--pid", "pidfile", "--pidfile",
            "process", "--process", "cmdline", "--cmdline", "unit", "--unit");

    private UsageErrors() {
    }

    static CommandLine.ParameterException of(CommandSpec spec, String msg, Map<String, String> flags) {
        return new CommandLine.ParameterException(spec.commandLine(), asTyped(msg, flags));
    }

    /** The message with its field renamed to the flag that set it; "options.X" is the NAME=VALUE X. */
    static String asTyped(String msg, Map<String, String> flags) {
        String text = msg.replace(ModuleSchema.RAW_HINT, " (the options command lists every option)");
        Matcher field = FIELD.matcher(text);
        if (!field.find()) {
            return text;
        }
        String top = field.group(1);
        String rest = field.group(2);
        String typed;
        if (top.equals("options") && rest.startsWith(".")) {
            typed = rest.substring(1);
        } else if (flags.containsKey(top) || PROCESS_FLAGS.containsKey(top)) {
            typed = flags.getOrDefault(top, PROCESS_FLAGS.get(top)); // pid[1] is --pid too
        } else {
            return text;
        }
        return typed + ": " + text.substring(field.end());
    }
}
