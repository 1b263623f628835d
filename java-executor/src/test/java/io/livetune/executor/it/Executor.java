package io.livetune.executor.it;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
 * called in-process, exactly as {@code java -jar livetune-executor.jar ansible <module> < args.json}.
 * Every call also checks the envelope of docs/executor-protocol.md: one JSON object on stdout,
 * nothing on stderr, exit status 1 exactly when failed, no stack trace in msg.
 * Main is looked up reflectively so that these tests compile before the executor does.
 */
final class Executor {
    /** Set by the second surefire run of the socket_option suite (see java-executor/pom.xml). */
    static final String METHOD_PROPERTY = "livetune.it.method";
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
        if (method != null && module.equals("socket_option") && !taskArgs.containsKey("method")) {
            taskArgs = new java.util.LinkedHashMap<>(taskArgs);
            taskArgs.put("method", method); // the whole socket_option suite once more, through ptrace
        }
        String stdin;
        try {
            stdin = JSON.writeValueAsString(taskArgs);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return ansibleStdin(module, stdin);
    }

    /** Runs {@code ansible MODULE} with exactly this text on stdin (which may be anything but JSON). */
    static ExecutorResult ansibleStdin(String module, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = invokeMain(new String[] {"ansible", module},
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), stdout, stderr);
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

    private static int invokeMain(String[] argv, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        Method run;
        try {
            run = Class.forName("io.livetune.executor.Main")
                    .getMethod("run", String[].class, InputStream.class, PrintStream.class, PrintStream.class);
        } catch (ReflectiveOperationException e) {
            return fail("the executor entry point io.livetune.executor.Main.run(String[], InputStream, "
                    + "PrintStream, PrintStream) does not exist yet: " + e);
        }
        try {
            return (Integer) run.invoke(null, argv, stdin, stdout, stderr);
        } catch (InvocationTargetException e) {
            throw new AssertionError("the executor threw instead of printing a failure object: " + e.getCause(),
                    e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
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
