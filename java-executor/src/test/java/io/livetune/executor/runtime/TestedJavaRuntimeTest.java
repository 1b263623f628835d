package io.livetune.executor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * The Java range the docs claim (README "Requirements on targets", "Testing"): 17 is the
 * minimum because the class files say so, and a run of the suites on another JDK (make
 * test-junit-jdk25) really ran there. Without this, a surefire that ignored its {@code jvm}
 * would pass the JDK 25 run on 17 and the docs would claim what was not tested.
 */
class TestedJavaRuntimeTest {
    /** The feature release the Makefile asked the tests to run on; unset: whatever JDK Maven runs. */
    static final String ASKED_FEATURE = "livetune.it.java_feature";
    /** Java 17's class file version: what a JVM older than 17 refuses (UnsupportedClassVersionError). */
    private static final int JAVA_17_CLASS_VERSION = 61;

    @Test
    void theTestsRunOnTheJavaTheMakefileAskedFor() {
        String asked = System.getProperty(ASKED_FEATURE);
        assumeTrue(asked != null, ASKED_FEATURE + " is not set: this run takes the JDK Maven runs on");
        assertEquals(Integer.parseInt(asked), Runtime.version().feature(),
                "the forked test JVM (" + System.getProperty("java.home") + ") is not the Java asked for");
    }

    @Test
    void theExecutorsClassFilesNeedJava17() throws IOException {
        // Main, and picocli's CommandLine that the build compiles from source with it
        for (String type : new String[] {"io.livetune.executor.Main", "picocli.CommandLine"}) {
            assertEquals(JAVA_17_CLASS_VERSION, majorVersion(type), type + ".class");
        }
    }

    private static int majorVersion(String type) throws IOException {
        String resource = "/" + type.replace('.', '/') + ".class";
        try (InputStream in = TestedJavaRuntimeTest.class.getResourceAsStream(resource);
                DataInputStream data = new DataInputStream(in)) {
            data.readInt(); // 0xCAFEBABE
            data.readUnsignedShort(); // minor_version
            return data.readUnsignedShort();
        }
    }
}
