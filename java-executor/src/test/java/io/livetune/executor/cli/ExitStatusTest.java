package io.livetune.executor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The exit statuses: ExitStatus is the one place, the script and the docs follow it. */
class ExitStatusTest {
    private static Path repository() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("ansible_collection"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    @Test
    void executorRunShStopsWithNotStarted() throws IOException {
        String script = Files.readString(repository().resolve("ansible_collection/plugins/plugin_utils/executor_run.sh"));
        Matcher exit = Pattern.compile("(?m)^lt_status\\(\\) \\{\\n(?:.*\\n)*?    exit (\\d+)\\n\\}").matcher(script);
        assertTrue(exit.find(), "lt_status ends with exit N");
        assertEquals(ExitStatus.NOT_STARTED.code(), Integer.parseInt(exit.group(1)));
        String plugin = Files.readString(repository().resolve("ansible_collection/plugins/plugin_utils/executor.py"));
        assertTrue(plugin.contains("STATUS_EXIT = " + ExitStatus.NOT_STARTED.code()), "executor.py reads it");
    }

    @Test
    void theResidentClientAndTheScriptAgreeOnNotServed() throws IOException {
        String client = Files.readString(repository().resolve("java-executor/src/main/resources/resident/client.py"));
        assertTrue(client.contains("NOT_SERVED = " + ExitStatus.NOT_SERVED.code() + "\n"), "client.py's fallback status");
        assertTrue(client.contains("NOT_STARTED = " + ExitStatus.NOT_STARTED.code() + "\n"), "client.py's lost answer");
        String script = Files.readString(repository().resolve("ansible_collection/plugins/plugin_utils/executor_run.sh"));
        assertTrue(script.contains("[ \"$lt_rc\" = " + ExitStatus.NOT_SERVED.code() + " ] && return 0"),
                "executor_run.sh starts the task cold on NOT_SERVED");
        String plugin = Files.readString(repository().resolve("ansible_collection/plugins/plugin_utils/executor.py"));
        assertTrue(plugin.contains("word == 'resident-lost'"), "executor.py words the lost answer");
    }

    @Test
    void theProtocolDocumentListsEveryStatus() throws IOException {
        String doc = Files.readString(repository().resolve("docs/executor-protocol.md"));
        for (ExitStatus status : ExitStatus.values()) {
            assertTrue(doc.contains("| " + status.code() + " | `" + status.name() + "` |"),
                    "docs/executor-protocol.md has a row for " + status);
        }
    }

    @Test
    void theProtocolDocumentListsEveryStatusWordOfTheScript() throws IOException {
        String script = Files.readString(repository().resolve("ansible_collection/plugins/plugin_utils/executor_run.sh"));
        String doc = Files.readString(repository().resolve("docs/executor-protocol.md"));
        Matcher word = Pattern.compile("lt_status ([a-z-]+)").matcher(script);
        int words = 0;
        while (word.find()) {
            words++;
            assertTrue(doc.contains("| `" + word.group(1) + "` |"), "docs/executor-protocol.md has a row for " + word.group(1));
        }
        assertTrue(words >= 8, "lt_status calls found: " + words);
    }

    @Test
    void aBadFlagIsAUsageErrorThroughTheMapper() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"lock", "--no-such-flag"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(ExitStatus.USAGE.code(), status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Unknown option: '--no-such-flag'"), err::toString);
    }

    /** A command with a bug. */
    @Command(name = "broken")
    static final class Broken implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("a bug");
        }
    }

    @Test
    void whatACommandThrowsIsAnInternalErrorWithItsStackTrace() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new Broken()).setExitCodeExceptionMapper(new ExitStatus.Mapper())
                .setErr(new PrintWriter(err, true)).execute();
        assertEquals(ExitStatus.INTERNAL_ERROR.code(), status);
        assertTrue(err.toString().contains("IllegalStateException: a bug"), err::toString);
    }
}
