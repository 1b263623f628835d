package io.livetune.executor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.sockets.Family;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists the option registry: what can be set, on which sockets, with what values. */
@Command(name = "options", mixinStandardHelpOptions = true,
        description = "List the socket options livetune knows, with their type and the sockets that take them.")
public final class OptionsCommand implements Callable<Integer> {
    private final Io io;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    private boolean json;

    public OptionsCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        if (json) {
            ArrayNode list = new ObjectMapper().createArrayNode();
            for (SocketOption option : OptionRegistry.all()) {
                ObjectNode entry = list.addObject();
                entry.put("name", option.name());
                entry.put("level", option.level());
                entry.put("optname", option.optname());
                entry.put("type", option.type().jsonType());
                entry.put("sockets", sockets(option));
                entry.put("listeners_only", option.listenersOnly());
                entry.put("description", option.description());
            }
            io.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(list));
            return 0;
        }
        io.out().printf("%-26s %-8s %-13s %s%n", "OPTION", "TYPE", "SOCKETS", "DESCRIPTION");
        for (SocketOption option : OptionRegistry.all()) {
            io.out().printf("%-26s %-8s %-13s %s%n", option.name(), option.type().jsonType(), sockets(option),
                    option.description());
        }
        return 0;
    }

    private static String sockets(SocketOption option) {
        List<String> kinds = new ArrayList<>();
        option.protocols().forEach(p -> kinds.add(p.label()));
        String text = String.join("/", kinds);
        if (option.families().size() == 1) {
            text += " " + option.families().iterator().next().label();
        }
        return option.listenersOnly() ? text + " listen" : text;
    }
}
