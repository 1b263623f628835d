package io.livetune.executor.it;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The executor as a black box: {@code Main.run(String[], InputStream, PrintStream, PrintStream)}
 * called in-process (in a child JVM in the run without pidfd: {@link WithoutPidfd}), exactly as
 * {@code java -jar livetune-executor.jar ansible <module> < args.json}.
 * Every call also checks the envelope of docs/executor-protocol.md: one JSON object on stdout,
 * nothing on stderr, exit status 1 exactly when failed, no stack trace in msg.
 */
final class Executor {
    /**
     * Set by the surefire run of the socket suites through ptrace (see java-executor/pom.xml);
     * they are the test classes tagged {@value #EVERY_METHOD}.
     */
    static final String METHOD_PROPERTY = "livetune.it.method";
    /** The JUnit tag of the test classes that run once per way of reaching sockets. */
    static final String EVERY_METHOD = "every-method";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A fully qualified exception class name, e.g. java.lang.IllegalStateException: an internal error leaked. */
    private static final Pattern JAVA_THROWABLE_NAME =
            Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*(Exception|Error)\\b");

    /** Runs {@code ansible socket_option} with these task arguments (plus _check_mode/_diff if given). */
    static ExecutorResult socketOption(Map<String, Object> taskArgs) {
        return ansible("socket_option", taskArgs);
    }

    static ExecutorResult ansible(String module, Map<String, Object> taskArgs) {
        String method = System.getProperty(METHOD_PROPERTY);
        if (method != null && module.startsWith("socket_") && !taskArgs.containsKey("method")) {
            taskArgs = new java.util.LinkedHashMap<>(taskArgs);
            taskArgs.put("method", method); // the whole socket suite once more, through ptrace
        }
        String stdin;
        try {
            stdin = JSON.writeValueAsString(taskArgs);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return ansibleStdin(module, stdin);
    }

    /** How an executor run is started: in this JVM by default, or {@link ChildExecutor}. */
    interface Launcher {
        int run(String[] argv, byte[] stdin, PrintStream stdout, PrintStream stderr);
    }

    /** Runs {@code ansible MODULE} with these arguments through {@code launcher}, with the same checks. */
    static ExecutorResult ansible(Launcher launcher, String module, Map<String, Object> taskArgs) {
        try {
            return ansibleStdin(launcher, module, JSON.writeValueAsString(taskArgs));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code ansible MODULE} with exactly this text on stdin (which may be anything but JSON). */
    static ExecutorResult ansibleStdin(String module, String stdin) {
        return ansibleStdin(Executor::invokeMain, module, stdin);
    }

    private static ExecutorResult ansibleStdin(Launcher launcher, String module, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = launcher.run(new String[] {"ansible", module}, stdin.getBytes(StandardCharsets.UTF_8), stdout,
                    stderr);
        }
        String stdoutText = out.toString(StandardCharsets.UTF_8);
        String stderrText = err.toString(StandardCharsets.UTF_8);
        String context = "\nargs: " + stdin + "\nstdout: " + stdoutText + "\nstderr: " + stderrText;

        JsonNode result = parseExactlyOneObject(stdoutText, context);
        assertEquals("", stderrText, "the executor printed on stderr" + context);
        assertTrue(result.path("changed").isBoolean(), "no boolean 'changed'" + context);
        assertTrue(result.path("failed").isBoolean(), "no boolean 'failed'" + context);
        boolean failed = result.get("failed").asBoolean();
        assertEquals(failed ? 1 : 0, status, "exit status does not match failed=" + failed + context);
        if (failed) {
            String msg = result.path("msg").asText("");
            assertFalse(msg.isBlank(), "a failure without msg" + context);
            assertFalse(msg.contains("\tat ") || JAVA_THROWABLE_NAME.matcher(msg).find(),
                    "a Java stack trace or exception class in msg" + context);
            assertFalse(result.has("exception"), "'exception' without _verbosity >= 3" + context);
        }
        return new ExecutorResult(result, stdin);
    }

    /** Task arguments from key/value pairs, in order: {@code args("pid", 42, "backlog", 4096)}. */
    static Map<String, Object> args(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("args needs key/value pairs");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** The same arguments with one more key (e.g. "_check_mode", true). */
    static Map<String, Object> with(Map<String, Object> taskArgs, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(taskArgs);
        copy.put(key, value);
        return copy;
    }

    private static int invokeMain(String[] argv, byte[] stdin, PrintStream stdout, PrintStream stderr) {
        return WithoutPidfd.runMain(argv, stdin, stdout, stderr, child -> { });
    }

    private static JsonNode parseExactlyOneObject(String stdout, String context) {
        try (JsonParser parser = JSON.createParser(stdout)) {
            JsonNode node = JSON.readTree(parser);
            if (node == null || !node.isObject()) {
                fail("stdout is not one JSON object" + context);
            }
            if (parser.nextToken() != null) {
                fail("stdout holds more than one JSON value" + context);
            }
            return node;
        } catch (IOException e) {
            return fail("stdout is not JSON: " + e.getMessage() + context);
        }
    }

    private Executor() {}
}
