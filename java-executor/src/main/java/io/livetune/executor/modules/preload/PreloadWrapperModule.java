package io.livetune.executor.modules.preload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Module;
import io.livetune.executor.modules.ModuleSchema;
import io.livetune.executor.modules.Task;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.SocketOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * livetune.process.preload_wrapper: settings that hold from a program's first instruction
 * and across restarts. Installs livetune's LD_PRELOAD library (carried in this jar, one
 * build per machine) and wires it into a systemd service (a drop-in with Environment=
 * lines) or into an exec wrapper script, with the LIVETUNE_* variables that tell it what to
 * set (see {@link PreloadSettings}).
 *
 * <p>Everything is decided before anything is written: the programs are checked (the loader
 * ignores LD_PRELOAD for setuid and static programs), the files are planned by content, and
 * only then are they written, each to a temporary name and renamed, the library first.
 */
public final class PreloadWrapperModule implements Module {
    public static final String NAME = "preload_wrapper";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Loaded by the first {@link #schema()}: a task served from the memo of validated arguments needs none. */
    private ModuleSchema schema;
    private final PreloadHost host;

    public PreloadWrapperModule() {
        this(PreloadHost.live());
    }

    /** The module on another host (tests: a temporary root, a stand-in library). */
    public PreloadWrapperModule(PreloadHost host) {
        this.host = host;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModuleSchema schema() {
        if (schema == null) {
            schema = ModuleSchema.load(NAME, PreloadWrapperModule::complete);
        }
        return schema;
    }

    /** {@code options} takes what socket_option's takes: the registry's names, types and ranges. */
    static void complete(ObjectNode schema) {
        ObjectNode properties = (ObjectNode) schema.path("properties").path("options").path("properties");
        for (SocketOption option : OptionRegistry.all()) {
            properties.set(option.name(), option.schema());
        }
    }

    /**
     * Ad-hoc spellings: {@code command="/usr/sbin/nginx -g 'daemon off;'"} is split into
     * words as a shell would (without expansions), {@code mlock=current,future} is a list.
     */
    @Override
    public JsonNode normalise(JsonNode args) {
        ObjectNode copy = ((ObjectNode) args).deepCopy();
        if (args.path("command").isTextual()) {
            ArrayNode words = copy.putArray("command");
            SystemdUnit.words(args.get("command").asText()).forEach(words::add);
        }
        JsonNode mlock = args.path("mlock");
        if (mlock.isTextual()) {
            String text = mlock.asText().trim();
            if (text.startsWith("{") || text.startsWith("[")) {
                try {
                    copy.set("mlock", JSON.readTree(text));
                } catch (IOException e) {
                    return copy; // validation names the field
                }
            } else {
                ArrayNode words = copy.putArray("mlock");
                for (String word : text.split("[,\\s]+")) {
                    if (!word.isEmpty()) {
                        words.add(word);
                    }
                }
            }
        }
        return copy;
    }

    @Override
    public void run(JsonNode args, Task task) {
        PreloadRequest request = PreloadRequest.parse(args);
        List<ManagedFile> files = new ArrayList<>();
        List<String> programs = new ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        ManagedFile target;
        if (request.present) {
            byte[] library = host.library();
            if (library == null) {
                throw new TaskFailure("this executor has no preload library for " + host.machine() + " ("
                        + carried() + "); nothing was changed");
            }
            ManagedFile libraryFile = ManagedFile.plan(host, request.library(), ManagedFile.Kind.LIBRARY, library, 0644);
            environment.put(PreloadSettings.LD_PRELOAD, request.library());
            environment.putAll(request.settings.variables());
            String text;
            if (request.unit != null) {
                SystemdUnit unit = SystemdUnit.load(host, request.unit);
                checkUnit(unit, programs, task);
                String sandboxed = unit.sandboxRefusal(request.library());
                if (sandboxed != null) {
                    throw new TaskFailure("unit: " + request.unit + ": " + sandboxed);
                }
                if (unit.sandbox.containsKey("RootDirectory") || unit.sandbox.containsKey("RootImage")) {
                    task.warn(request.unit + " runs in a RootDirectory= or RootImage= of its own: " + request.library()
                            + " must exist inside it too (livetune installs it on the host's root only)");
                }
                if (unit.ldPreload != null && !unit.ldPreload.isBlank()) {
                    String theirs = List.of(unit.ldPreload.trim().split("[\\s:]+")).stream()
                            .filter(entry -> !entry.equals(request.library())).collect(Collectors.joining(" "));
                    if (!theirs.isEmpty()) {
                        environment.put(PreloadSettings.LD_PRELOAD, request.library() + " " + theirs);
                        task.warn(request.unit + " sets LD_PRELOAD=" + unit.ldPreload + " itself; the drop-in keeps it, "
                                + "after livetune's library");
                    }
                }
                text = dropIn(request.unit, environment);
                target = ManagedFile.plan(host, SystemdUnit.dropInPath(request.unit), ManagedFile.Kind.DROP_IN,
                        text.getBytes(StandardCharsets.UTF_8), 0644);
            } else {
                String program = checkWrapper(request, programs, task);
                text = wrapper(program, request.command.subList(1, request.command.size()), environment);
                target = ManagedFile.plan(host, request.wrapper, ManagedFile.Kind.WRAPPER,
                        text.getBytes(StandardCharsets.UTF_8), 0755);
            }
            request.settings.kernelWarnings().forEach(task::warn);
            files.add(libraryFile);
            files.add(target);
            List<String> unsearchable = new ArrayList<>();
            Directories.check(host, request.libraryDir, "library_dir", false, unsearchable);
            unsearchable.forEach(task::warn);
            if (!task.checkMode()) {
                Directories.check(host, request.libraryDir, "library_dir", true);
                libraryFile.apply(); // first: a unit or wrapper never names a library that is not there
                if (request.unit != null) {
                    Directories.check(host, parent(target.path), "unit", true);
                }
                target.apply();
            }
        } else {
            target = ManagedFile.plan(host, request.unit != null ? SystemdUnit.dropInPath(request.unit) : request.wrapper,
                    request.unit != null ? ManagedFile.Kind.DROP_IN : ManagedFile.Kind.WRAPPER, null, 0);
            files.add(target);
            if (!task.checkMode()) {
                target.apply();
                if (request.unit != null && target.changes()) {
                    Directories.removeIfEmpty(host, parent(target.path));
                }
            }
        }
        boolean changed = files.stream().anyMatch(ManagedFile::changes);
        if (changed) {
            task.changed();
        }
        for (ManagedFile file : files) {
            if (file.changes()) {
                task.addDiff(file.diffHeader(), file.diffText(false), file.diffText(true));
            }
        }
        ObjectNode result = task.result();
        if (request.unit != null) {
            result.put("daemon_reloaded", target.changes() && reload(request, task));
        }
        result.put("restart_required", changed);
        ArrayNode fileList = result.putArray("files");
        files.forEach(file -> fileList.add(file.toJson()));
        ObjectNode env = result.putObject("environment");
        environment.forEach(env::put);
        ArrayNode programList = result.putArray("programs");
        programs.forEach(programList::add);
        if (request.present) {
            ObjectNode library = result.putObject("library");
            library.put("path", request.library());
            library.put("machine", host.machine());
            library.put("sha256", ManagedFile.sha256(host.library()));
        }
        result.put("msg", summary(request, files, target, task));
    }

    /** The unit's ExecStart= programs must be found and must take LD_PRELOAD; nothing may override the drop-in. */
    private void checkUnit(SystemdUnit unit, List<String> programs, Task task) {
        if (unit.execStart.isEmpty()) {
            throw new TaskFailure("unit: " + unit.name + " has no ExecStart= (in " + unit.file + " and its drop-ins): "
                    + "there is no program to preload the library into");
        }
        ProgramCheck check = new ProgramCheck(host);
        for (List<String> command : unit.execStart) {
            String what = "ExecStart= of " + unit.name;
            if (command.isEmpty()) {
                throw new TaskFailure(what + " names no program");
            }
            String program = command.get(0);
            if (program.contains("%") || program.contains("$")) {
                task.warn(what + " names its program as " + program + " (specifiers or variables): it was not checked");
                continue;
            }
            String found = check.find(program);
            if (found == null) {
                throw new TaskFailure(what + ": program " + program + " cannot be found"
                        + (program.startsWith("/") ? "" : " in " + String.join(":", ProgramCheck.PATH))
                        + " (" + unit.file + "); install it, or fix the unit");
            }
            check.check(found, what);
            if (!programs.contains(found)) {
                programs.add(found);
            }
        }
        if (!unit.laterOverrides.isEmpty()) {
            Map.Entry<String, String> override = unit.laterOverrides.entrySet().iterator().next();
            throw new TaskFailure("unit: " + override.getValue() + " sets " + override.getKey() + " and sorts after "
                    + SystemdUnit.DROP_IN_NAME + ", so it would override livetune's drop-in; remove it from there");
        }
        Map<String, String> fromFiles = unit.setByEnvironmentFiles(host);
        if (!fromFiles.isEmpty()) {
            Map.Entry<String, String> set = fromFiles.entrySet().iterator().next();
            throw new TaskFailure("unit: EnvironmentFile=" + set.getValue() + " of " + unit.name + " sets " + set.getKey()
                    + ", and EnvironmentFile= overrides every Environment= line (systemd.exec(5)), livetune's drop-in's "
                    + "too; remove it from there, or start the program through a wrapper");
        }
        unit.warnings.forEach(task::warn);
    }

    /** The wrapper's program: found, able to take LD_PRELOAD, and not the wrapper itself. Its host path. */
    private String checkWrapper(PreloadRequest request, List<String> programs, Task task) {
        ProgramCheck check = new ProgramCheck(host);
        String program = request.command.get(0);
        String found = check.find(program);
        if (found == null) {
            throw new TaskFailure("command: program " + program + (program.startsWith("/") ? " does not exist"
                    : program.contains("/") ? " must be an absolute path or a bare name"
                    : " cannot be found in " + String.join(":", ProgramCheck.PATH)));
        }
        try {
            if (host.resolve(found).equals(host.resolve(request.wrapper))) {
                throw new TaskFailure("wrapper: " + request.wrapper + " is the program itself; choose another path");
            }
        } catch (IOException e) {
            throw new TaskFailure("wrapper: " + e.getMessage());
        }
        check.check(found, "command");
        programs.add(found);
        String dir = parent(request.wrapper);
        if (!java.nio.file.Files.isDirectory(host.path(dir))) {
            throw new TaskFailure("wrapper: directory " + dir + " does not exist");
        }
        List<String> unsearchable = new ArrayList<>();
        Directories.check(host, dir, "wrapper", false, unsearchable);
        unsearchable.forEach(task::warn);
        return found;
    }

    private boolean reload(PreloadRequest request, Task task) {
        if (task.checkMode()) {
            return false;
        }
        if (!request.daemonReload) {
            task.warn("daemon_reload: false, so systemd has not read the " + (request.present ? "new " : "removed ")
                    + "drop-in yet: run systemctl daemon-reload before restarting " + request.unit);
            return false;
        }
        if (!host.systemdRunning()) {
            task.warn("systemd is not running on this host (no /run/systemd/system), so daemon-reload was skipped; "
                    + "systemd reads the drop-in when it starts");
            return false;
        }
        String failure = host.daemonReload();
        if (failure != null) {
            throw new TaskFailure("the drop-in was " + (request.present ? "written" : "removed") + ", but " + failure);
        }
        return true;
    }

    private String summary(PreloadRequest request, List<ManagedFile> files, ManagedFile target, Task task) {
        List<String> changed = files.stream().filter(ManagedFile::changes).map(file -> file.path)
                .collect(Collectors.toList());
        if (changed.isEmpty()) {
            return request.present ? (request.unit != null ? request.unit + ": " : "") + "the library and "
                    + target.kind.word + " " + target.path + " are as asked"
                    : target.kind.word + " " + target.path + " is absent already";
        }
        String verb = request.present ? (task.checkMode() ? "would write " : "wrote ")
                : (task.checkMode() ? "would remove " : "removed ");
        String then = request.unit != null
                ? "; restart " + request.unit + " for its programs to " + (request.present ? "start with" : "run without")
                        + " the library"
                : request.present ? "; programs started through it from now on get the library (restart those running)"
                        : "; programs started through it before keep the library until they are restarted";
        return verb + String.join(" and ", changed) + then
                + (request.present ? "" : " (the preload library stays: other units and wrappers may use it)");
    }

    /** Which machines this executor has a library for, for the message when the host's is missing. */
    private String carried() {
        List<String> machines = new ArrayList<>();
        for (String machine : List.of("x86_64", "aarch64")) {
            if (PreloadHost.bundled(machine) != null) {
                machines.add(machine);
            }
        }
        return machines.isEmpty() ? "it was built without the preload shim"
                : "it carries one for " + String.join(" and ", machines) + " only";
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    // -- the files' text -----------------------------------------------------------------

    static final String NOTICE = "# The next run of the task rewrites this file; state: absent removes it.";

    static String dropIn(String unit, Map<String, String> environment) {
        StringBuilder text = new StringBuilder();
        text.append(ManagedFile.MARKER).append('\n').append(NOTICE).append('\n');
        text.append("# LD_PRELOAD loads livetune's preload library into every program ").append(unit)
                .append(" starts; the LIVETUNE_* variables say what it sets.\n");
        text.append("[Service]\n");
        environment.forEach((name, value) -> text.append("Environment=\"").append(systemdEscape(name + "=" + value))
                .append("\"\n"));
        return text.toString();
    }

    static String wrapper(String program, List<String> arguments, Map<String, String> environment) {
        StringBuilder text = new StringBuilder("#!/bin/sh\n");
        text.append(ManagedFile.MARKER).append('\n').append(NOTICE).append('\n');
        text.append("# Runs ").append(program.replace('\n', ' '))
                .append(" with livetune's preload library (LD_PRELOAD, before any the caller gives);\n")
                .append("# the LIVETUNE_* variables say what it sets.\n");
        List<String> unset = new ArrayList<>();
        for (String name : PreloadSettings.VARIABLES) {
            String value = environment.get(name);
            if (name.equals(PreloadSettings.LD_PRELOAD)) {
                text.append("LD_PRELOAD=").append(shellQuote(value)).append("\"${LD_PRELOAD:+ $LD_PRELOAD}\"\n");
            } else if (value != null) {
                text.append(name).append('=').append(shellQuote(value)).append('\n');
            } else {
                unset.add(name);
            }
        }
        List<String> exported = new ArrayList<>(environment.keySet());
        text.append("export ").append(String.join(" ", exported)).append('\n');
        if (!unset.isEmpty()) {
            text.append("unset ").append(String.join(" ", unset)).append('\n');
        }
        text.append("exec ").append(shellQuote(program));
        for (String argument : arguments) {
            text.append(' ').append(shellQuote(argument));
        }
        text.append(" \"$@\"\n");
        return text.toString();
    }

    /** A value inside Environment="...": backslashes and quotes escaped, % doubled (specifiers). */
    private static String systemdEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("%", "%%");
    }

    private static String shellQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
