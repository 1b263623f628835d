package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.Modules;
import io.livetune.executor.text.Suggestions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a module's complete JSON Schema, the option registry's part included. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Print the JSON Schema that a module's arguments are validated against.")
public final class SchemaCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "MODULE", description = "Module name, e.g. socket_option.")
    private String moduleName;

    public SchemaCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        Module module = Modules.get(moduleName);
        if (module == null) {
            io.err().println("unknown module '" + moduleName + "'; known: " + String.join(", ", Modules.names())
                    + Suggestions.didYouMean(moduleName, Modules.names()));
            return 2;
        }
        io.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(module.schema().json()));
        return 0;
    }
}
