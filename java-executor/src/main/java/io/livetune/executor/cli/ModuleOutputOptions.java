package io.livetune.executor.cli;

import picocli.CommandLine.Option;

/** --check and --json, which every command that runs a changing module takes (a picocli mixin). */
final class ModuleOutputOptions {
    @Option(names = {"-n", "--check"}, description = "Show what would change; change nothing.")
    boolean check;
    @Option(names = "--json", description = "Print the module's JSON result.")
    boolean json;
}
