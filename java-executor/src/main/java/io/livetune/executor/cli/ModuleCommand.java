package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Front;
import io.livetune.executor.modules.ModuleRunner;
import io.livetune.executor.modules.Modules;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The one way a human command runs a module (as jbang's BaseCommand.doCall): the command
 * turns its flags into the module's JSON arguments and draws its table; this runs the module
 * as an Ansible task would, turns refused arguments into usage errors named as typed, prints
 * the JSON (--json) or the table, and gives the exit status.
 */
abstract class ModuleCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    final Io io;
    @Spec
    CommandSpec spec;
    @Mixin
    ModuleOutputOptions output;

    ModuleCommand(Io io) {
        this.io = io;
    }

    /** The module this command runs. */
    abstract String module();

    /** The module's arguments from the flags (without {@code _check_mode}, which this adds). */
    abstract ObjectNode arguments();

    /** The module's argument names as this command's flags, for usage errors (selectors are known). */
    abstract Map<String, String> flags();

    /** The result as a table, for people; warnings and the message follow it ({@link ResultText}). */
    abstract void printTable(JsonNode result);

    @Override
    public final Integer call() throws Exception {
        ObjectNode args = arguments();
        args.put("_check_mode", output.check);
        ModuleRunner.Outcome outcome = ModuleRunner.execute(Modules.get(module()), JSON.writeValueAsString(args),
                Front.COMMAND_LINE);
        ObjectNode result = outcome.json();
        if (outcome.invalidArguments() && !output.json) {
            throw UsageErrors.of(spec, result.path("msg").asText(), flags());
        }
        if (output.json) {
            io.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } else {
            printTable(result);
            ResultText.printWarningsAndMessage(io, result);
        }
        return (outcome.invalidArguments() ? ExitStatus.USAGE : ExitStatus.of(result)).code();
    }

    /** JSON where the text is JSON (numbers, true, objects), a string otherwise (congestion names). */
    static JsonNode parseValue(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }
}
