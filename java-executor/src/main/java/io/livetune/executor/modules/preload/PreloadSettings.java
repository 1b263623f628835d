package io.livetune.executor.modules.preload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.nativeio.LinuxSyscalls;
import io.livetune.executor.procfs.ProcFs;
import io.livetune.executor.sockets.Backlog;
import io.livetune.executor.sockets.Expected;
import io.livetune.executor.sockets.KernelFacts;
import io.livetune.executor.sockets.KernelFactsReader;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketOption;
import io.livetune.executor.sockets.ValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the preload library is told to do, as the LIVETUNE_* environment variables that carry
 * it (the contract with the shim, see docs/preload.md). Values arrive validated against the
 * module's schema, whose {@code options} are the option registry's (the same names, types and
 * ranges as socket_option); this class only spells them for the shim:
 *
 * <ul>
 *   <li>LIVETUNE_BACKLOG=N</li>
 *   <li>LIVETUNE_OPTIONS="name=value name=value", in the registry's order: integers in decimal
 *       (timeouts in milliseconds, as socket_option), booleans 1 or 0, so_linger as
 *       enabled:seconds (1:5), strings as they are</li>
 *   <li>LIVETUNE_MLOCK=current[,future][,onfault]</li>
 *   <li>LIVETUNE_TRACE=stderr|syslog</li>
 *   <li>LIVETUNE_RESPECT_APP=1</li>
 * </ul>
 */
public final class PreloadSettings {
    public static final String LD_PRELOAD = "LD_PRELOAD";
    public static final String BACKLOG = "LIVETUNE_BACKLOG";
    public static final String OPTIONS = "LIVETUNE_OPTIONS";
    public static final String MLOCK = "LIVETUNE_MLOCK";
    public static final String TRACE = "LIVETUNE_TRACE";
    public static final String RESPECT_APP = "LIVETUNE_RESPECT_APP";
    /** Every variable the shim reads, LD_PRELOAD first: the order in which the files set them. */
    public static final List<String> VARIABLES = List.of(LD_PRELOAD, BACKLOG, OPTIONS, MLOCK, TRACE, RESPECT_APP);

    static final List<String> MLOCK_WORDS = List.of("current", "future", "onfault");
    /** A string value travels unquoted between spaces: a congestion control name is [a-z0-9_]. */
    private static final Pattern PLAIN_STRING = Pattern.compile("[A-Za-z0-9_.+-]+");

    private final Integer backlog;
    private final Map<SocketOption, JsonNode> options;
    private final Set<String> mlock;
    private final String trace;
    private final boolean respectApp;

    private PreloadSettings(Integer backlog, Map<SocketOption, JsonNode> options, Set<String> mlock, String trace,
            boolean respectApp) {
        this.backlog = backlog;
        this.options = options;
        this.mlock = mlock;
        this.trace = trace;
        this.respectApp = respectApp;
    }

    /** From validated module arguments (backlog, options, mlock, trace, respect_app). */
    public static PreloadSettings parse(JsonNode args) {
        Integer backlog = args.has("backlog") ? args.get("backlog").asInt() : null;
        Map<SocketOption, JsonNode> options = new LinkedHashMap<>();
        for (SocketOption option : OptionRegistry.all()) { // the registry's order: the same text for the same options
            JsonNode value = args.path("options").get(option.name());
            if (value != null) {
                options.put(option, option.type().normalise(value));
            }
        }
        return new PreloadSettings(backlog, options, mlock(args.path("mlock")), trace(args.path("trace")),
                args.path("respect_app").asBoolean(false));
    }

    private static Set<String> mlock(JsonNode mlock) {
        Set<String> words = new LinkedHashSet<>();
        for (String word : MLOCK_WORDS) {
            boolean on = mlock.isObject() ? mlock.path(word).asBoolean(false)
                    : mlock.isArray() && contains(mlock, word);
            if (on) {
                words.add(word);
            }
        }
        if (words.equals(Set.of("onfault"))) {
            throw new TaskFailure("mlock: onfault only with current or future (it says how they lock: as pages are touched)");
        }
        return words;
    }

    private static boolean contains(JsonNode list, String word) {
        for (JsonNode item : list) {
            if (item.asText().equals(word)) {
                return true;
            }
        }
        return false;
    }

    private static String trace(JsonNode trace) {
        if (trace.isBoolean()) {
            return trace.asBoolean() ? "stderr" : null;
        }
        return trace.isTextual() ? trace.asText() : null;
    }

    /** Whether there is nothing for the library to do. */
    public boolean isEmpty() {
        return backlog == null && options.isEmpty() && mlock.isEmpty() && trace == null;
    }

    /** The LIVETUNE_* variables, in {@link #VARIABLES} order; those not needed are left out. */
    public Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        if (backlog != null) {
            variables.put(BACKLOG, Integer.toString(backlog));
        }
        if (!options.isEmpty()) {
            List<String> pairs = new ArrayList<>();
            options.forEach((option, value) -> pairs.add(option.name() + "=" + spell(option, value)));
            variables.put(OPTIONS, String.join(" ", pairs));
        }
        if (!mlock.isEmpty()) {
            variables.put(MLOCK, String.join(",", mlock));
        }
        if (trace != null) {
            variables.put(TRACE, trace);
        }
        if (respectApp) {
            variables.put(RESPECT_APP, "1");
        }
        return variables;
    }

    /** One option's value as the shim reads it. */
    static String spell(SocketOption option, JsonNode value) {
        ValueType type = option.type();
        switch (type) {
            case BOOL:
                return value.asBoolean() ? "1" : "0";
            case LINGER:
                return (value.path("enabled").asBoolean() ? "1" : "0") + ":" + value.path("seconds").asInt(0);
            case STRING:
                if (!PLAIN_STRING.matcher(value.asText()).matches()) {
                    throw new TaskFailure("options." + option.name() + ": must be a name of letters, digits and _ . + - "
                            + "(it travels in LIVETUNE_OPTIONS, between spaces); got '" + value.asText() + "'");
                }
                return value.asText();
            default:
                return Long.toString(value.asLong());
        }
    }

    /**
     * What the kernel will not keep, worded as socket_option words it (a buffer above
     * net.core.rmem_max, a backlog above net.core.somaxconn), from the registry's own
     * kernel-terms rules and this host's sysctls. Best effort: none when they cannot be read.
     */
    List<String> kernelWarnings() {
        KernelFacts facts;
        try {
            facts = new KernelFactsReader(new ProcFs(), LinuxSyscalls.get()).forProcess(ProcFs.selfPid());
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            return List.of();
        }
        List<String> warnings = new ArrayList<>();
        if (backlog != null) {
            add(warnings, Backlog.INSTANCE.expect(IntNode.valueOf(backlog), null, facts, false, Protocol.TCP));
        }
        options.forEach((option, value) -> {
            Protocol protocol = option.protocols().contains(Protocol.TCP) ? Protocol.TCP : Protocol.UDP;
            add(warnings, option.expect(value, value, facts, false, protocol));
        });
        return warnings;
    }

    private static void add(List<String> warnings, Expected expected) {
        if (expected.warning() != null) {
            // force is socket_option's; the shim sets what it is given
            warnings.add(expected.warning().replace(" or set force: true (needs CAP_NET_ADMIN)", ""));
        }
    }
}
