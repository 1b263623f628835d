package io.livetune.executor.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The task JVM's empty logging configuration, and that a JVM given its own keeps it. */
class JnaLoggingTest {
    private static final String CLASS = "java.util.logging.config.class";
    private static final String FILE = "java.util.logging.config.file";
    private static final String DEBUG = "jna.debug_load.jna";
    private String savedClass;
    private String savedFile;
    private String savedDebug;

    @BeforeEach
    void save() {
        savedClass = System.clearProperty(CLASS);
        savedFile = System.clearProperty(FILE);
        savedDebug = System.clearProperty(DEBUG);
    }

    @AfterEach
    void restore() {
        restore(CLASS, savedClass);
        restore(FILE, savedFile);
        restore(DEBUG, savedDebug);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void namesItselfWhenTheJvmHasNoLoggingConfiguration() {
        JnaLogging.configureNone();
        assertEquals(JnaLogging.class.getName(), System.getProperty(CLASS));
    }

    @Test
    void aConfigurationGivenToTheJvmStands() {
        System.setProperty(FILE, "/etc/my-logging.properties");
        JnaLogging.configureNone();
        assertNull(System.getProperty(CLASS), "a configuration file was given: no class is named");
        System.clearProperty(FILE);
        System.setProperty(CLASS, "com.example.Logging");
        JnaLogging.configureNone();
        assertEquals("com.example.Logging", System.getProperty(CLASS));
    }

    @Test
    void aJvmAskedForJnasLoadingLogKeepsTheJdksConfiguration() {
        System.setProperty(DEBUG, "true");
        JnaLogging.configureNone();
        assertNull(System.getProperty(CLASS), "JNA logs its loading through java.util.logging: not silenced");
    }

    /**
     * In a JVM of its own (LogManager reads the property once per JVM): the named class is
     * what LogManager instantiates, without an error, and the root logger then has no handler,
     * where the JDK's logging.properties gives it a ConsoleHandler.
     */
    @Test
    void logManagerInstantiatesItAndTheRootLoggerHasNoHandler() throws IOException, InterruptedException {
        assertEquals("0 handlers", rootHandlersIn(List.of("-D" + CLASS + "=" + JnaLogging.class.getName())));
        assertEquals("1 handlers", rootHandlersIn(List.of()), "the JDK's own configuration, for comparison");
    }

    private static String rootHandlersIn(List<String> properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(properties);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RootHandlers.class.getName());
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.getInputStream().transferTo(out);
        if (!java.waitFor(60, TimeUnit.SECONDS)) {
            java.destroyForcibly();
        }
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    /** Prints how many handlers the root logger has. */
    static final class RootHandlers {
        public static void main(String[] args) {
            System.out.println(java.util.logging.Logger.getLogger("").getHandlers().length + " handlers");
        }
    }
}
