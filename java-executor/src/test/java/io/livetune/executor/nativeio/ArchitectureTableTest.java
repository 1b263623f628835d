package io.livetune.executor.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.inject.Syscall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link Architecture} is the one table of the machines livetune runs on. What cannot read it
 * (the shell that runs before the JVM, the controller's Python, the build's JNA excludes) must
 * say the same: checked here, so that a new row cannot be forgotten there.
 */
class ArchitectureTableTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private static String read(String path) throws IOException {
        return Files.readString(REPO.resolve(path));
    }

    /** Maven's exclude patterns: ** crosses directories, * does not. */
    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }

    @Test
    void everyInjectedCallHasANumberOnEveryMachine() {
        for (Architecture architecture : Architecture.values()) {
            for (Syscall call : Syscall.values()) {
                assertTrue(call.number(architecture) >= 0, call + " on " + architecture);
            }
        }
    }

    @Test
    void executorRunShAcceptsExactlyTheseMachines() throws IOException {
        // (JNA's library is unpacked by JnaBootLibrary, from this table)
        String script = read("ansible_collection/plugins/plugin_utils/executor_run.sh");
        List<String> names = new ArrayList<>();
        for (Architecture architecture : Architecture.values()) {
            names.addAll(architecture.names());
        }
        String accepted = String.join(" | ", names) + ") ;;";
        assertTrue(script.contains(accepted), "executor_run.sh accepts exactly: " + accepted);
    }

    @Test
    void theControllerNamesTheseMachines() throws IOException {
        String plugin = read("ansible_collection/plugins/plugin_utils/executor.py");
        assertTrue(plugin.contains("livetune runs on Linux " + Architecture.supported() + " targets"),
                "executor.py's unsupported-machine message names " + Architecture.supported());
    }

    @Test
    void theJarKeepsTheJnaLibraryOfEveryMachine() throws IOException {
        String pom = read("java-executor/pom.xml");
        Matcher exclude = Pattern.compile("<exclude>com/sun/jna/([^<]+)</exclude>").matcher(pom);
        List<String> excluded = new ArrayList<>();
        while (exclude.find()) {
            excluded.add(exclude.group(1));
        }
        assertFalse(excluded.isEmpty(), "the pom drops the JNA natives of other machines");
        for (Architecture architecture : Architecture.values()) {
            String kept = architecture.jnaNativeDirectory() + "/libjnidispatch.so";
            for (String pattern : excluded) {
                assertFalse(kept.matches(globToRegex(pattern)), "the pom's exclude " + pattern + " drops " + kept);
            }
        }
    }

    /** Where the engine has not run, the docs a user reads say that memory_lock and method: ptrace are refused. */
    @Test
    void theDocsNameTheMachinesWhereThePtraceEngineIsRefused() throws IOException {
        List<String> docs = List.of("README.md", "ansible_collection/plugins/modules/memory_lock.py",
                "ansible_collection/plugins/doc_fragments/sockets.py");
        for (String path : docs) {
            String text = read(path).replaceAll("\\s+", " ");
            for (Architecture architecture : Architecture.values()) {
                boolean saysRefused = text.contains("refused on " + architecture.canonicalName() + " until");
                assertEquals(architecture.ptraceEngine() == Architecture.PtraceEngine.UNVERIFIED, saysRefused,
                        path + " on " + architecture.canonicalName() + " (ptrace engine " + architecture.ptraceEngine() + ")");
            }
        }
    }
}
