package io.livetune.executor.modules;

/**
 * Who asked for a module run: an Ansible task or a command line. A message that tells the
 * user to change an argument names it the way that user wrote it: {@code missing: ignore} in
 * a task, {@code --missing=ignore} on the command line (whose flags are the arguments' names
 * with dashes; cli's commands follow that for every argument a message may name).
 */
public enum Front {
    ANSIBLE {
        @Override
        public String toSet(String argument, String value) {
            return "set " + argument + ": " + value;
        }
    },
    COMMAND_LINE {
        @Override
        public String toSet(String argument, String value) {
            return "add --" + argument.replace('_', '-') + "=" + value;
        }
    };

    /** "set missing: ignore", "add --missing=ignore": how to give {@code argument} that value. */
    public abstract String toSet(String argument, String value);

    /** The argument as given, without the verb: "missing: ignore", "--missing=ignore". */
    public String given(String argument, String value) {
        String phrase = toSet(argument, value);
        return phrase.substring(phrase.indexOf(' ') + 1);
    }
}
