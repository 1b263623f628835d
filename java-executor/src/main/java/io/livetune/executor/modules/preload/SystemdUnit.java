package io.livetune.executor.modules.preload;

import io.livetune.executor.modules.TaskFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A systemd service as its unit files describe it: the unit file found on systemd's search
 * path and its drop-ins (in systemd's order, the file name deciding), read for what
 * preload_wrapper needs: the programs ExecStart= runs, and who else sets LD_PRELOAD or a
 * LIVETUNE_* variable. systemd itself is not asked: it may not be running (a container, an
 * image being built), and its files say the same.
 */
final class SystemdUnit {
    /** Where unit files and drop-ins are looked up, highest priority first (systemd.unit(5)). */
    static final List<String> SEARCH_PATH = List.of("/etc/systemd/system.control", "/run/systemd/system.control",
            "/run/systemd/transient", "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
            "/lib/systemd/system", "/usr/lib/systemd/system");
    /** Where the unit files that people and packages install live (the ones reported in "not found"). */
    static final String SEARCHED = "/etc/systemd/system, /run/systemd/system, /lib/systemd/system, /usr/lib/systemd/system";
    static final String DROP_IN_DIR = "/etc/systemd/system";
    static final String DROP_IN_NAME = "50-livetune.conf";

    private static final Pattern UNIT_NAME = Pattern.compile("[A-Za-z0-9:_.\\\\@-]+");
    private static final Pattern ENV_FILE_ASSIGNMENT = Pattern.compile("^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=");

    final String name;
    /** Host path of the unit file. */
    final String file;
    /** Each ExecStart= command line, as words (the program first), after resets. */
    final List<List<String>> execStart = new ArrayList<>();
    /** LD_PRELOAD as the unit's own files set it for the service (Environment=), or null. */
    String ldPreload;
    /** Drop-ins sorting after ours that set one of our variables: they would win. */
    final Map<String, String> laterOverrides = new LinkedHashMap<>();
    /** EnvironmentFile= paths (host paths; "-" prefix removed), in order, after resets. */
    final List<String> environmentFiles = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    /** The sandboxing settings that can keep the loader from mapping a library, by key, after resets. */
    final Map<String, List<String>> sandbox = new LinkedHashMap<>();
    static final List<String> SANDBOX_KEYS = List.of("NoExecPaths", "ExecPaths", "InaccessiblePaths",
            "TemporaryFileSystem", "RootDirectory", "RootImage");

    private SystemdUnit(String name, String file) {
        this.name = name;
        this.file = file;
    }

    /** "nginx" is "nginx.service"; other unit types run no program of their own with an environment. */
    static String normalise(String unit) {
        String name = unit.contains(".") ? unit : unit + ".service";
        if (!UNIT_NAME.matcher(name).matches()) {
            throw new TaskFailure("unit: '" + unit + "' is not a unit name (letters, digits and :_.\\@- only)");
        }
        if (!name.endsWith(".service")) {
            throw new TaskFailure("unit: " + name + " is not a service; only a .service runs programs with the "
                    + "environment of its [Service] section");
        }
        if (name.endsWith("@.service")) {
            throw new TaskFailure("unit: " + name + " is a template; name an instance (" + name.replace("@.", "@NAME.")
                    + ")");
        }
        return name;
    }

    /** The host path of livetune's drop-in for a (normalised) unit name. */
    static String dropInPath(String unit) {
        return DROP_IN_DIR + "/" + unit + ".d/" + DROP_IN_NAME;
    }

    /** Reads the unit's files; fails when there is no unit file, or it is masked. */
    static SystemdUnit load(PreloadHost host, String unit) {
        String template = unit.contains("@") ? unit.substring(0, unit.indexOf('@') + 1) + ".service" : null;
        String file = null;
        for (String name : template == null ? List.of(unit) : List.of(unit, template)) {
            for (String dir : SEARCH_PATH) {
                Path candidate = host.path(dir + "/" + name);
                if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                    file = dir + "/" + name;
                    break;
                }
            }
            if (file != null) {
                break;
            }
        }
        if (file == null) {
            throw new TaskFailure("unit: " + unit + " not found: no unit file in " + SEARCHED
                    + "; install the service first (or check the name)");
        }
        String real;
        try {
            real = host.resolve(file);
        } catch (IOException e) {
            throw new TaskFailure("unit: " + file + ": " + e.getMessage());
        }
        if (real.equals("/dev/null")) {
            throw new TaskFailure("unit: " + unit + " is masked (" + file + " links to /dev/null); unmask it first");
        }
        SystemdUnit parsed = new SystemdUnit(unit, file);
        parsed.read(host, real, unit, template);
        return parsed;
    }

    private void read(PreloadHost host, String real, String unit, String template) {
        List<String> environment = new ArrayList<>();
        apply(host, real, environment, null);
        boolean pastOurs = false;
        for (Map.Entry<String, String> dropIn : dropIns(host, unit, template).entrySet()) {
            int order = dropIn.getKey().compareTo(DROP_IN_NAME);
            if (order == 0) {
                continue; // ours: what it sets now is what this task replaces
            }
            if (order > 0 && !pastOurs) {
                ldPreload = lastValue(environment, PreloadSettings.LD_PRELOAD);
                pastOurs = true;
            }
            int before = environment.size();
            apply(host, dropIn.getValue(), environment, pastOurs ? dropIn.getValue() : null);
            if (pastOurs) {
                for (String assignment : environment.subList(Math.min(before, environment.size()), environment.size())) {
                    String variable = assignment.substring(0, assignment.indexOf('='));
                    if (PreloadSettings.VARIABLES.contains(variable)) {
                        laterOverrides.putIfAbsent(variable, dropIn.getValue());
                    }
                }
            }
        }
        if (!pastOurs) {
            ldPreload = lastValue(environment, PreloadSettings.LD_PRELOAD);
        }
    }

    /** The drop-ins of the unit (and of its template), by file name in systemd's order; a name in a higher directory hides the same name below. */
    private static Map<String, String> dropIns(PreloadHost host, String unit, String template) {
        TreeMap<String, String> byName = new TreeMap<>();
        List<String> names = template == null ? List.of(unit) : List.of(unit, template);
        for (String name : names) {
            for (String dir : SEARCH_PATH) {
                Path local = host.path(dir + "/" + name + ".d");
                if (!Files.isDirectory(local)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(local, "*.conf")) {
                    for (Path file : files) {
                        byName.putIfAbsent(file.getFileName().toString(),
                                dir + "/" + name + ".d/" + file.getFileName());
                    }
                } catch (IOException e) {
                    throw new TaskFailure("unit: cannot read " + dir + "/" + name + ".d: " + e.getMessage());
                }
            }
        }
        return byName;
    }

    /** Applies one unit file's [Service] settings that matter here. */
    private void apply(PreloadHost host, String path, List<String> environment, String laterDropIn) {
        String text;
        try {
            text = new String(Files.readAllBytes(host.path(path)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TaskFailure("unit: cannot read " + path + ": " + e.getMessage());
        }
        for (String[] setting : settings(text, "Service")) {
            String key = setting[0];
            String value = setting[1];
            switch (key) {
                case "ExecStart":
                    if (value.isEmpty()) {
                        execStart.clear();
                    } else {
                        execStart.add(command(value));
                    }
                    break;
                case "Environment":
                    if (value.isEmpty()) {
                        environment.clear();
                        if (laterDropIn != null) {
                            laterOverrides.putIfAbsent("Environment= (empty: it resets every assignment before it)", laterDropIn);
                        }
                    } else {
                        for (String word : words(value)) {
                            if (word.contains("=")) {
                                environment.add(unescapeSpecifiers(word));
                            }
                        }
                    }
                    break;
                case "EnvironmentFile":
                    if (value.isEmpty()) {
                        environmentFiles.clear();
                    } else {
                        environmentFiles.add(value.startsWith("-") ? value.substring(1) : value);
                    }
                    break;
                default:
                    if (SANDBOX_KEYS.contains(key)) {
                        List<String> paths = sandbox.computeIfAbsent(key, k -> new ArrayList<>());
                        if (value.isEmpty()) {
                            paths.clear();
                        } else {
                            for (String word : words(value)) {
                                String listed = word.replaceFirst("^[-+]+", "");
                                paths.add(key.equals("TemporaryFileSystem") && listed.contains(":")
                                        ? listed.substring(0, listed.indexOf(':')) : listed);
                            }
                        }
                    }
                    break;
            }
        }
    }

    /**
     * Why the service's sandbox would keep the loader from mapping {@code library} (a host
     * path) executable, or null: systemd.exec(5)'s NoExecPaths=/ExecPaths= (the longest
     * matching path decides), InaccessiblePaths=, TemporaryFileSystem=.
     */
    String sandboxRefusal(String library) {
        String noExec = longestPrefix(sandbox.get("NoExecPaths"), library);
        String exec = longestPrefix(sandbox.get("ExecPaths"), library);
        if (noExec != null && (exec == null || exec.length() < noExec.length())) {
            return "its NoExecPaths=" + noExec + (sandbox.containsKey("ExecPaths") ? " (ExecPaths="
                    + String.join(" ", sandbox.get("ExecPaths")) + ")" : "") + " forbids mapping " + library
                    + " executable, so the loader would refuse to preload it; set library_dir to a directory"
                    + (sandbox.containsKey("ExecPaths") ? " under one of its ExecPaths=" : " it may execute from");
        }
        for (String key : List.of("InaccessiblePaths", "TemporaryFileSystem")) {
            String hidden = longestPrefix(sandbox.get(key), library);
            if (hidden != null) {
                return "its " + key + "=" + hidden + " hides " + library + " from its programs; set library_dir to a "
                        + "directory they can see";
            }
        }
        return null;
    }

    private static String longestPrefix(List<String> paths, String file) {
        String longest = null;
        for (String path : paths == null ? List.<String>of() : paths) {
            String dir = path.endsWith("/") ? path : path + "/";
            if ((file.startsWith(dir) || file.equals(path)) && (longest == null || path.length() > longest.length())) {
                longest = path;
            }
        }
        return longest;
    }

    /**
     * Which of livetune's variables the EnvironmentFile= files set: those override every
     * Environment= line (systemd.exec(5)), ours included. Files that do not exist are skipped.
     */
    Map<String, String> setByEnvironmentFiles(PreloadHost host) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String path : environmentFiles) {
            if (!path.startsWith("/") || path.contains("%")) {
                continue;
            }
            Path local = host.path(path);
            if (!Files.isRegularFile(local)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(local, StandardCharsets.UTF_8)) {
                    Matcher assignment = ENV_FILE_ASSIGNMENT.matcher(line);
                    if (assignment.find() && PreloadSettings.VARIABLES.contains(assignment.group(1))) {
                        found.putIfAbsent(assignment.group(1), path);
                    }
                }
            } catch (IOException e) {
                warnings.add("cannot read EnvironmentFile=" + path + " of " + name + ": " + e.getMessage());
            }
        }
        return found;
    }

    /** The value of the last assignment to a variable, or null. */
    private static String lastValue(List<String> environment, String variable) {
        String value = null;
        for (String assignment : environment) {
            if (assignment.startsWith(variable + "=")) {
                value = assignment.substring(variable.length() + 1);
            }
        }
        return value;
    }

    /**
     * The key=value settings of one section, in order: comments (# ;) skipped, a line ending
     * in a backslash continued on the next (the backslash becoming a space), as systemd reads
     * unit files.
     */
    static List<String[]> settings(String text, String section) {
        List<String[]> settings = new ArrayList<>();
        String current = null;
        StringBuilder logical = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (logical.length() == 0) {
                String stripped = line.strip();
                if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith(";")) {
                    continue;
                }
            } else if (line.strip().startsWith("#") || line.strip().startsWith(";")) {
                continue; // comment lines inside a continuation are skipped
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            String full = logical.toString().strip();
            logical.setLength(0);
            if (full.startsWith("[") && full.endsWith("]")) {
                current = full.substring(1, full.length() - 1);
                continue;
            }
            int equals = full.indexOf('=');
            if (equals > 0 && section.equals(current)) {
                settings.add(new String[] {full.substring(0, equals).strip(), full.substring(equals + 1).strip()});
            }
        }
        return settings;
    }

    /** An ExecStart= value as words, its prefixes (- @ : + ! !!) dropped: the program first. */
    static List<String> command(String value) {
        int start = 0;
        while (start < value.length() && "-@:+!|".indexOf(value.charAt(start)) >= 0) {
            start++;
        }
        return words(value.substring(start));
    }

    /** Splits on blanks, honouring "double" and 'single' quotes and C-style backslash escapes. */
    static List<String> words(String value) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote == 0 && (c == ' ' || c == '\t')) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                word.append(next == 'n' ? '\n' : next == 't' ? '\t' : next);
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            } else {
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static String unescapeSpecifiers(String word) {
        return word.replace("%%", "%");
    }
}
