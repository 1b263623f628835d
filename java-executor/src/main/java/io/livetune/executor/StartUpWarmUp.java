package io.livetune.executor;

import com.sun.jna.Structure;

/**
 * What JNA's binding thread needs first, readied on a thread of its own from the first line
 * of {@link Main#main}, ~2 ms before that thread starts: the binding thread is what a task's
 * first system call waits for (see LinuxSyscalls). Each step is what that thread would do
 * itself a moment later; done here first, it finds it done.
 *
 * <ul>
 *   <li>The lambda forms the JVM links for its first lambda (~3 ms): JNA's first logger makes
 *       java.util.logging link one (Level's table of known levels), and nothing on the main
 *       thread does before then.
 *   <li>The class path's jar, opened by the class loader (~2 ms: its 2,000 entries): that
 *       logger has the JDK look for a logging backend with a ServiceLoader, which searches the
 *       class path; when every class comes from the class-data archive, the class loader has
 *       not opened the jar by then.
 *   <li>The JDK's model of JNA's @FieldOrder annotation and its proxy classes (~3 ms), which
 *       JNA's first Native.register reads.
 * </ul>
 *
 * Measured on JDK 17 with its class-data archive (bench/README.md). From JDK 25 on it is not
 * started: the AOT cache holds the linked lambdas, the launcher has opened the jar (it runs
 * with {@code -jar} there), and what is left, the annotation's proxy classes, the JDK spins
 * with its ClassFile API, interpreted, while JNA's binding thread waits for the same class
 * initialisation. Without this thread a JDK 25 task took 3.8 to 4.2 ms less CPU
 * (bench/jar_ab.py, 30 and 40 pairs); its wall time, 1.5 to 1.7 ms less, is within what the
 * unchanged JDK 17 run moved in the same comparison.
 */
final class StartUpWarmUp implements Runnable {
    /** What the JDK's logging looks for (BootstrapLogger.DetectBackend): the same lookup. */
    private static final String LOGGER_FINDER = "META-INF/services/java.lang.System$LoggerFinder";
    /** JNA's description of native types, a Structure annotated with @FieldOrder (package-private in JNA). */
    private static final String JNA_FFI_TYPE = "com.sun.jna.Structure$FFIType";

    /** The first JDK whose tasks are faster without this thread (see above). */
    private static final int FIRST_JDK_WITHOUT_NEED = 25;

    private StartUpWarmUp() {
    }

    static void start() {
        // the property, not Runtime.version(), which parses the version string with a regex
        if (Integer.parseInt(System.getProperty("java.specification.version")) >= FIRST_JDK_WITHOUT_NEED) {
            return;
        }
        Thread thread = new Thread(new StartUpWarmUp(), "livetune-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        Runnable first = () -> { }; // links the lambda forms; the class-data archive holds the lambda's class
        first.run();
        ClassLoader loader = StartUpWarmUp.class.getClassLoader();
        if (loader != null) {
            loader.getResource(LOGGER_FINDER); // none: the search opens the jar
        }
        try {
            // Loaded, not initialised (no native library is touched): reading its annotation
            // makes the JDK's model of @FieldOrder and its proxy classes, which JNA's first
            // Native.register reads through this class's static initialiser.
            Class.forName(JNA_FFI_TYPE, false, loader).getAnnotation(Structure.FieldOrder.class);
        } catch (ClassNotFoundException | LinkageError e) {
            // another JNA: the binding thread does the work itself, as it would have
        }
    }
}
