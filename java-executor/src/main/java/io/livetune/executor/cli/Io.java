package io.livetune.executor.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** The streams a command talks through, so tests can run commands in-process. */
public record Io(InputStream in, PrintStream out, PrintStream err) {
}
