package io.livetune.executor;

/**
 * Two pieces of the JDK that JNA's binding thread needs at once, readied on a thread of
 * their own at the first line of {@link Main#main}, ~2 ms before that thread starts: the
 * binding thread is what a task's first system call waits for (see LinuxSyscalls).
 *
 * <ul>
 *   <li>The lambda forms the JVM links for its first lambda (~3 ms): JNA's first logger makes
 *       java.util.logging link one (Level's table of known levels), and nothing on the main
 *       thread does before then.
 *   <li>The class path's jar, opened (~2 ms: its 2,000 entries): that logger has the JDK look
 *       for a logging backend with a ServiceLoader, which searches the class path; when every
 *       class comes from the class-data archive, nothing else has opened the jar by then.
 * </ul>
 */
final class StartUpWarmUp implements Runnable {
    /** What the JDK's logging looks for (BootstrapLogger.DetectBackend): the same lookup. */
    private static final String LOGGER_FINDER = "META-INF/services/java.lang.System$LoggerFinder";

    private StartUpWarmUp() {
    }

    static void start() {
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
    }
}
