package io.livetune.executor.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** The streams a command talks through, so tests can run commands in-process. */
public final class Io {
    final InputStream in;
    final PrintStream out;
    final PrintStream err;

    public Io(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }
}
