package io.livetune.executor.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExitCodeExceptionMapper;

/**
 * Every exit status of the executor, and of executor_run.sh that starts it on a target: the
 * one place they are defined (docs/executor-protocol.md lists them from here; a test keeps
 * the script's number equal to {@link #NOT_STARTED}).
 */
public enum ExitStatus {
    /** The command did what was asked (in check mode: found what would change). */
    OK(0),
    /** The module failed (its JSON or the "error:" line says why); an Ansible task reports failed. */
    FAILED(1),
    /** A human command's flags or arguments are wrong: nothing was looked at or changed (picocli's own 2). */
    USAGE(2),
    /** A bug: the executor threw; the stack trace is on stderr (sysexits' EX_SOFTWARE). */
    INTERNAL_ERROR(70),
    /**
     * Never the jar's: executor_run.sh did not start java, and printed one LIVETUNE-STATUS line
     * saying why (the jar is missing, the cache is unsafe, no usable java).
     */
    NOT_STARTED(90),
    /**
     * Never the jar's, never the task's: the resident executor's client (resources/resident/client.py)
     * could not have the task accepted by a resident, so executor_run.sh runs it cold instead.
     */
    NOT_SERVED(91);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** A module's result: FAILED when it says {@code failed}, else OK. */
    static ExitStatus of(com.fasterxml.jackson.databind.JsonNode result) {
        return result.path("failed").asBoolean() ? FAILED : OK;
    }

    /** picocli's exit code for what a command threw: usage errors, or a bug (picocli's ExitCodeExceptionMapperDemo). */
    public static final class Mapper implements IExitCodeExceptionMapper {
        @Override
        public int getExitCode(Throwable exception) {
            return (exception instanceof CommandLine.ParameterException ? USAGE : INTERNAL_ERROR).code;
        }
    }
}
