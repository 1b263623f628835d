package io.livetune.executor.preload;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The LD_PRELOAD shim's contract with the rest of livetune: the library's name, where the
 * build puts one per machine inside the jar, and the environment variables it reads. The C
 * side gets the variable names from here through the generated header (see
 * {@link ShimOptionTable}); docs/preload-shim.md describes what each one means.
 */
public final class PreloadShim {
    /** The file name LD_PRELOAD names. */
    public static final String LIBRARY = "liblivetune_preload.so";

    /** The machines (uname -m) the build compiles the shim for. */
    public static final List<String> MACHINES = List.of("x86_64", "aarch64");

    /** N: the backlog of every listen(). */
    public static final String ENV_BACKLOG = "LIVETUNE_BACKLOG";
    /** "name=value name=value ...", registry names and values in the shim's text forms. */
    public static final String ENV_OPTIONS = "LIVETUNE_OPTIONS";
    /** current[,future][,onfault]: mlockall at load. */
    public static final String ENV_MLOCK = "LIVETUNE_MLOCK";
    /** stderr or syslog: log each setsockopt and listen the program makes. */
    public static final String ENV_TRACE = "LIVETUNE_TRACE";
    /** 1: the program's own setsockopt of a configured option wins; 0 (default): ours does. */
    public static final String ENV_RESPECT_APP = "LIVETUNE_RESPECT_APP";

    private PreloadShim() {
    }

    /** The jar resource holding the shim for a machine as uname -m (or os.arch) names it. */
    public static Optional<String> resourceFor(String machine) {
        String m = machine.toLowerCase(Locale.ROOT);
        if (m.equals("amd64")) {
            m = "x86_64";
        } else if (m.equals("arm64")) {
            m = "aarch64";
        }
        return MACHINES.contains(m) ? Optional.of("native/" + m + "/" + LIBRARY) : Optional.empty();
    }
}
