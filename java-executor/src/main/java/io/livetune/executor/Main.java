package io.livetune.executor;

import io.livetune.executor.cli.AnsibleCommand;
import io.livetune.executor.cli.ExitStatus;
import io.livetune.executor.cli.Io;
import io.livetune.executor.cli.LockCommand;
import io.livetune.executor.cli.OptionsCommand;
import io.livetune.executor.cli.PreloadCommand;
import io.livetune.executor.cli.ResidentCommand;
import io.livetune.executor.cli.SchemaCommand;
import io.livetune.executor.cli.SetCommand;
import io.livetune.executor.cli.SocketsCommand;
import io.livetune.executor.modules.JsonNumbers;
import io.livetune.executor.nativeio.JnaBootLibrary;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.training.ArchiveTraining;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * livetune's executor: the Ansible front ({@code ansible MODULE}) and the human one share every module.
 * It needs Java 17 or newer: its class files are release 17, so an older JVM refuses the jar with
 * UnsupportedClassVersionError before any of this runs (on targets, executor_run.sh checks first).
 */
@Command(name = "livetune",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Change socket options of running Linux processes, idempotently, without restarting them.", ""},
        footer = {"", "Examples:",
            "  java -jar livetune-executor.jar set -p 1234 --port 8080 -l backlog=4096 so_rcvbuf=8388608",
            "  java -jar livetune-executor.jar set --process nginx --check so_keepalive=true",
            "  java -jar livetune-executor.jar sockets -tl",
            "  java -jar livetune-executor.jar lock --unit postgresql.service --check",
            "  java -jar livetune-executor.jar preload --unit redis-server --backlog 4096 --check --diff",
            "  java -jar livetune-executor.jar options",
            "  java -jar livetune-executor.jar resident --dir ~/.cache/livetune/SHA/r123 --idle-timeout 60",
            "  echo '{\"pid\": 1234, \"backlog\": 4096}' | java -jar livetune-executor.jar ansible socket_option"})
public final class Main implements Runnable {
    /** The commands whose modules make system calls (and parse JSON) right after picocli. */
    private static final Set<String> SYSTEM_CALLERS = Set.of("sockets", "set", "lock");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        StartUpWarmUp.start(); // first: what JNA's binding thread will need, readied beside it
        JsonNumbers.prepareInBackground(); // the first JSON parse needs them: see there
        JnaBootLibrary.useCacheDirectory(); // before any JNA class loads
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command with the given streams; returns the exit status. Tests call this directly. */
    public static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        Io io = new Io(stdin, stdout, stderr);
        try {
            if (args.length >= 1 && args.length <= 2 && args[0].equals(ArchiveTraining.COMMAND)) {
                // executor_run.sh's archive maker, not for people
                return ArchiveTraining.run(args.length == 2 ? args[1] : "socket_option", stderr);
            }
            Integer status = AnsibleCommand.runPlain(io, args); // every Ansible task: no picocli model
            if (status != null) {
                return status;
            }
        } catch (IOException | RuntimeException e) {
            e.printStackTrace(stderr); // as picocli reports a command that threw
            return new ExitStatus.Mapper().getExitCode(e);
        }
        return runCommandLine(args, io, stdout, stderr);
    }

    private static int runCommandLine(String[] args, Io io, PrintStream stdout, PrintStream stderr) {
        Map<String, Function<Io, Object>> subcommands = new LinkedHashMap<>();
        subcommands.put("ansible", AnsibleCommand::new);
        subcommands.put("sockets", SocketsCommand::new);
        subcommands.put("set", SetCommand::new);
        subcommands.put("lock", LockCommand::new);
        subcommands.put("preload", PreloadCommand::new);
        subcommands.put("options", OptionsCommand::new);
        subcommands.put("schema", SchemaCommand::new);
        subcommands.put("resident", streams -> new ResidentCommand(streams, Main::run));
        CommandLine commandLine = new CommandLine(new Main());
        // Building a picocli command reflects over its class, which costs tens of ms per command;
        // every Ansible task starts a JVM, so only the command asked for is built.
        String asked = args.length > 0 ? args[0] : "";
        if (SYSTEM_CALLERS.contains(asked)) {
            // As for a task: JNA binds on a thread of its own while picocli parses the command
            // line and the module reads its schema; the first system call waits for it.
            LinuxSyscalls.prepareInBackground();
        }
        subcommands.forEach((name, command) -> {
            if (!subcommands.containsKey(asked) || name.equals(asked)) {
                commandLine.addSubcommand(name, command.apply(io));
            }
        });
        commandLine.setOut(new PrintWriter(stdout, true));
        commandLine.setErr(new PrintWriter(stderr, true));
        commandLine.setExitCodeExceptionMapper(new ExitStatus.Mapper());
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version Maven wrote into the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"livetune " + (version == null ? "(development build)" : version)};
        }
    }
}
