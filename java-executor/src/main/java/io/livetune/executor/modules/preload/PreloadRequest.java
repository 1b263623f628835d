package io.livetune.executor.modules.preload;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.TaskFailure;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The arguments of one preload_wrapper task, after schema validation. */
final class PreloadRequest {
    static final String DEFAULT_LIBRARY_DIR = "/usr/local/lib/livetune";
    static final String LIBRARY_NAME = "liblivetune_preload.so";
    /** LD_PRELOAD splits its list on blanks and colons; a drop-in and a shell script quote the rest. */
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._+@/-]*");

    /** The normalised unit name, or null with a wrapper. */
    final String unit;
    /** The wrapper's host path, or null with a unit. */
    final String wrapper;
    /** The wrapper's command: the program as given, then its arguments. */
    final List<String> command;
    final PreloadSettings settings;
    final boolean present;
    final String libraryDir;
    final boolean daemonReload;

    private PreloadRequest(String unit, String wrapper, List<String> command, PreloadSettings settings, boolean present,
            String libraryDir, boolean daemonReload) {
        this.unit = unit;
        this.wrapper = wrapper;
        this.command = command;
        this.settings = settings;
        this.present = present;
        this.libraryDir = libraryDir;
        this.daemonReload = daemonReload;
    }

    static PreloadRequest parse(JsonNode args) {
        boolean present = !"absent".equals(args.path("state").asText("present"));
        if (args.has("unit") == args.has("wrapper")) {
            throw new TaskFailure("exactly one of unit, wrapper must say where the environment goes"
                    + (args.has("unit") ? "; got unit and wrapper" : ""));
        }
        String unit = args.has("unit") ? SystemdUnit.normalise(args.get("unit").asText()) : null;
        String wrapper = args.has("wrapper") ? absolute("wrapper", args.get("wrapper").asText()) : null;
        List<String> command = new ArrayList<>();
        args.path("command").forEach(word -> command.add(word.asText()));
        if (unit != null && args.has("command")) {
            throw new TaskFailure("command: only with wrapper; a unit's programs are its ExecStart= lines");
        }
        if (wrapper != null && present && command.isEmpty()) {
            throw new TaskFailure("command: is required with wrapper (the program the wrapper runs, and its arguments)");
        }
        if (wrapper != null && args.has("daemon_reload")) {
            throw new TaskFailure("daemon_reload: only with unit");
        }
        String libraryDir = args.path("library_dir").asText(DEFAULT_LIBRARY_DIR);
        if (!SAFE_PATH.matcher(libraryDir).matches() || !Paths.get(libraryDir).normalize().toString().equals(libraryDir)
                || libraryDir.equals("/")) {
            throw new TaskFailure("library_dir: must be an absolute, normalised path of letters, digits and . _ + @ - "
                    + "(LD_PRELOAD splits its list on blanks and colons); got '" + libraryDir + "'");
        }
        PreloadSettings settings = PreloadSettings.parse(args);
        if (present && settings.isEmpty()) {
            throw new TaskFailure("nothing for the library to do: give backlog, options, mlock or trace");
        }
        return new PreloadRequest(unit, wrapper, command, settings, present, libraryDir,
                args.path("daemon_reload").asBoolean(true));
    }

    private static String absolute(String field, String path) {
        if (!path.startsWith("/") || path.endsWith("/") || !Paths.get(path).normalize().toString().equals(path)
                || path.indexOf('\n') >= 0 || path.indexOf('\0') >= 0) {
            throw new TaskFailure(field + ": must be an absolute, normalised path of a file; got '" + path + "'");
        }
        return path;
    }

    /** Host path of the library. */
    String library() {
        return libraryDir + "/" + LIBRARY_NAME;
    }
}
