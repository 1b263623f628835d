package io.livetune.executor.modules;

/**
 * Who asked for a module run: an Ansible task or a command line. A message that tells the
 * user to change an argument names it the way that user wrote it: {@code missing: ignore} in
 * a task, {@code --missing=ignore} on the command line (whose flags are the arguments' names
 * with dashes; cli's commands follow that for every argument a message may name).
 */
public enum Front {
    ANSIBLE("set") {
        @Override
        public String argument(String name, String value) {
            return name + ": " + value;
        }
    },
    COMMAND_LINE("add") {
        @Override
        public String argument(String name, String value) {
            return "--" + name.replace('_', '-') + "=" + value;
        }
    };

    private final String verb;

    Front(String verb) {
        this.verb = verb;
    }

    /** "missing: ignore", "--missing=ignore": the argument as this front's user writes it. */
    public abstract String argument(String name, String value);

    /** "set missing: ignore", "add --missing=ignore": how to give the argument that value. */
    public String toSet(String name, String value) {
        return verb + " " + argument(name, value);
    }
}
