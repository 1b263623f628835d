package io.livetune.executor.resident;

import java.io.InputStream;
import java.io.PrintStream;

/** Runs one executor command with the given streams and returns its exit status (Main.run). */
@FunctionalInterface
public interface RequestRunner {
    int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr);
}
