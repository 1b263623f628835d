package io.livetune.executor.nativeio;

/**
 * The configuration of java.util.logging in a task's JVM, where JNA is its only user: none.
 *
 * <p>JNA's first classes each make a logger, and the first logger has the JDK read its
 * logging.properties, reset the root logger and set the level of every logger, about 4 ms
 * on the binding thread that every task's first system call waits for. Named in
 * {@code java.util.logging.config.class}, this class is what LogManager instantiates instead
 * of reading that file; it does nothing, so the root logger keeps its default level (INFO) and
 * no handler. What JNA would log (library loading, at FINE; rare warnings) says nothing that a
 * task's result does not: a failure to bind reaches the result as the first system call's
 * error. The human commands keep the JDK's own configuration, and so does a JVM asked for
 * JNA's own account of its loading ({@code jna.debug_load}, {@code jna.debug_load.jna}), which
 * JNA logs through java.util.logging.
 */
public final class JnaLogging {
    private static final String CONFIG_CLASS = "java.util.logging.config.class";
    private static final String CONFIG_FILE = "java.util.logging.config.file";
    /** JNA's switches for logging how it loads libraries and its own native part. */
    private static final String[] JNA_DEBUG = {"jna.debug_load", "jna.debug_load.jna"};

    /** Called by LogManager, by name, in place of reading logging.properties. */
    public JnaLogging() {
    }

    /**
     * Names this class as the logging configuration, unless the JVM was given one of its own
     * (a configuration class or file) or asked JNA to log its loading: must run before any
     * class uses java.util.logging.
     */
    public static void configureNone() {
        if (System.getProperty(CONFIG_CLASS) != null || System.getProperty(CONFIG_FILE) != null) {
            return;
        }
        for (String debug : JNA_DEBUG) {
            if (System.getProperty(debug) != null) {
                return;
            }
        }
        System.setProperty(CONFIG_CLASS, JnaLogging.class.getName());
    }
}
