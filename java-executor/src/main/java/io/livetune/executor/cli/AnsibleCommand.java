package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Json;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleRunner;
import io.livetune.executor.modules.Modules;
import io.livetune.executor.nativeio.JnaLogging;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.text.Suggestions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The front the action plugins call: task arguments as JSON in, one result object out. */
@Command(name = "ansible",
        description = {"Run a module for Ansible: reads the task's arguments as one JSON object on stdin "
                + "(or from --args-file) and prints one JSON result. Exit status 1 when the task failed."},
        mixinStandardHelpOptions = true)
public final class AnsibleCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "MODULE", description = "Module name, e.g. socket_option.")
    private String moduleName;

    @Option(names = "--args-file", paramLabel = "FILE",
            description = "Read the arguments from FILE instead of stdin (for become methods that need a tty).")
    private Path argsFile;

    private static ObjectNode failure(String msg) {
        return JsonNodeFactory.instance.objectNode().put("changed", false).put("failed", true).put("msg", msg)
                .set("warnings", JsonNodeFactory.instance.arrayNode());
    }

    public AnsibleCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        return run(io, moduleName, argsFile);
    }

    /**
     * {@code ansible MODULE [--args-file FILE]} as every task calls it, straight from main
     * without picocli: building a picocli model reflects over the annotated classes, a cost
     * each task's fresh JVM would pay for nothing. Returns null for any other form (help,
     * options this path does not know, a missing module name): picocli handles those.
     */
    public static Integer runPlain(Io io, String[] args) throws IOException {
        if (args.length < 2 || !args[0].equals("ansible") || args[1].startsWith("-")) {
            return null;
        }
        for (String arg : args) {
            if (arg.startsWith("@")) {
                return null; // picocli reads @FILE as more arguments
            }
        }
        Path file = null;
        if (args.length == 4 && args[2].equals("--args-file")) {
            file = Paths.get(args[3]);
        } else if (args.length == 3 && args[2].startsWith("--args-file=")) {
            file = Paths.get(args[2].substring("--args-file=".length()));
        } else if (args.length != 2) {
            return null;
        }
        return run(io, args[1], file);
    }

    private static int run(Io io, String moduleName, Path argsFile) throws IOException {
        if (Modules.names().contains(moduleName)) {
            JnaLogging.configureNone(); // before JNA's first logger: see there
            LinuxSyscalls.prepareInBackground(); // every module makes system calls
        }
        ObjectNode result = null;
        Module module = Modules.get(moduleName);
        if (module == null) {
            result = failure("unknown module '" + moduleName + "'; this executor serves: "
                    + String.join(", ", Modules.names()) + Suggestions.didYouMean(moduleName, Modules.names()));
        } else {
            String input = null;
            try {
                input = argsFile != null ? new String(Files.readAllBytes(argsFile), StandardCharsets.UTF_8)
                        : new String(io.in().readAllBytes(), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                result = failure("--args-file: " + argsFile + " does not exist");
            } catch (IOException e) {
                result = failure("--args-file: cannot read " + argsFile + ": "
                        + (Files.isDirectory(argsFile) ? "it is a directory" : e.getMessage()));
            }
            result = input == null ? result : ModuleRunner.run(module, input);
        }
        io.out().println(Json.write(result));
        io.out().flush();
        return result.path("failed").asBoolean() ? 1 : 0;
    }
}
