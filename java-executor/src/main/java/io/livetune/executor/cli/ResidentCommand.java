package io.livetune.executor.cli;

import io.livetune.executor.modules.Modules;
import io.livetune.executor.resident.Limits;
import io.livetune.executor.resident.RequestRunner;
import io.livetune.executor.resident.ResidentServer;
import io.livetune.executor.training.ArchiveTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The resident executor (docs/resident-executor.md): executor_run.sh starts it with livetune_resident_executor. */
@Command(name = "resident", mixinStandardHelpOptions = true,
        description = {"Serve Ansible tasks from one JVM over a UNIX socket in DIR (its socket 's'), one at a time, "
                + "each as a fresh `ansible MODULE` run. DIR must be a directory of this user's, mode 0700; only "
                + "this user and root are served. Exits after --idle-timeout without a request, after "
                + "--max-requests, when its jar or socket is gone or replaced, or after a request that threw an "
                + "Error. executor_run.sh starts it when the variable livetune_resident_executor is true."})
public final class ResidentCommand implements Callable<Integer> {
    private final Io io;
    private final RequestRunner runner;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The private directory of its socket.")
    private Path dir;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Exit after this many seconds without a request (default: ${DEFAULT-VALUE}).")
    private int idleSeconds;

    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "" + Limits.DEFAULT_MAX_REQUESTS,
            description = "Exit after serving N requests (default: ${DEFAULT-VALUE}).")
    private int maxRequests;

    @Option(names = "--warm-up", paramLabel = "MODULE",
            description = "Before the first request, run the Ansible path of socket_info (when that is MODULE) "
                    + "or of socket_option once in check mode against a process of its own (as archive-training "
                    + "does), so that the first task it serves does not pay for loading, initialising and "
                    + "compiling what every task runs.")
    private String warmUpModule;

    @Option(names = "--jar", paramLabel = "FILE",
            description = "The jar whose replacement ends the resident (default: the one it runs from).")
    private Path jar;

    public ResidentCommand(Io io, RequestRunner runner) {
        this.io = io;
        this.runner = runner;
    }

    @Override
    public Integer call() throws IOException, URISyntaxException {
        if (idleSeconds < 1 || maxRequests < 1) {
            io.err().println("error: --idle-timeout and --max-requests must be at least 1");
            return ExitStatus.USAGE.code();
        }
        if (warmUpModule != null && !Modules.names().contains(warmUpModule)) {
            io.err().println("error: --warm-up: no module " + warmUpModule + " (one of " + Modules.names() + ")");
            return ExitStatus.USAGE.code();
        }
        if (jar == null) {
            jar = Path.of(ResidentCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        ResidentServer server;
        String stopped;
        try {
            server = new ResidentServer(dir, jar, Limits.of(Duration.ofSeconds(idleSeconds), maxRequests), runner,
                    ExitStatus.INTERNAL_ERROR.code(), io.err());
            stopped = warmUpModule == null ? server.serve() : server.serve(() -> warmUp(warmUpModule));
        } catch (IOException e) {
            io.err().println("error: " + e.getMessage());
            return ExitStatus.FAILED.code();
        }
        io.err().println("livetune resident: stopped: " + stopped);
        return ExitStatus.OK.code();
    }

    /**
     * The first task a resident served used to cost about what a cold run costs without the JVM's
     * own start (~0.25 s of its CPU, JDK 17: classes initialised, the schema library built, JNA
     * bound, code compiled), the next ones ~0.02 s. A play's second task is the first served.
     */
    private void warmUp(String module) {
        try {
            int status = ArchiveTraining.run(module, io.err());
            io.err().println("livetune resident: warmed up with " + module + (status == 0 ? "" : " (it answered "
                    + "otherwise than expected)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
