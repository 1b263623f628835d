package io.livetune.executor.preload;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.sockets.Family;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketOption;
import io.livetune.executor.sockets.ValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Writes livetune_options.h, the C table of the LD_PRELOAD shim, from the {@link OptionRegistry}:
 * the registry stays the one place that says each option's level, optname, value type, range
 * and sockets. The Maven build runs {@link #main} after compiling (phase process-classes) and
 * then compiles the shim against the header (src/main/c/build.sh).
 */
public final class ShimOptionTable {
    private ShimOptionTable() {
    }

    /** {@code ShimOptionTable OUTPUT.h}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ShimOptionTable OUTPUT.h");
        }
        Path out = Path.of(args[0]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, header(), StandardCharsets.US_ASCII);
    }

    /** The whole header text. */
    public static String header() {
        StringBuilder h = new StringBuilder();
        h.append("/* livetune_options.h: GENERATED at build time by io.livetune.executor.preload.ShimOptionTable\n")
                .append(" * from io.livetune.executor.sockets.OptionRegistry. Do not edit: change the registry. */\n")
                .append("#ifndef LIVETUNE_OPTIONS_H\n#define LIVETUNE_OPTIONS_H\n\n");

        h.append("/* The environment the shim reads (io.livetune.executor.preload.PreloadShim). */\n");
        define(h, "LT_ENV_BACKLOG", quote(PreloadShim.ENV_BACKLOG));
        define(h, "LT_ENV_OPTIONS", quote(PreloadShim.ENV_OPTIONS));
        define(h, "LT_ENV_MLOCK", quote(PreloadShim.ENV_MLOCK));
        define(h, "LT_ENV_TRACE", quote(PreloadShim.ENV_TRACE));
        define(h, "LT_ENV_RESPECT_APP", quote(PreloadShim.ENV_RESPECT_APP));

        h.append("\n/* ValueType: how a value travels to the kernel. */\nenum lt_type {\n");
        for (ValueType type : ValueType.values()) {
            h.append("    LT_").append(type.name()).append(",\n");
        }
        h.append("};\n\n/* Protocol and Family, one bit each. */\n");
        for (Protocol p : Protocol.values()) {
            define(h, "LT_" + p.name(), (1 << p.ordinal()) + "u");
        }
        for (Family f : Family.values()) {
            define(h, "LT_" + f.name(), (1 << f.ordinal()) + "u");
        }

        h.append("\nstruct lt_option {\n")
                .append("    const char *name;     /* as socket_option names it: \"so_rcvbuf\" */\n")
                .append("    const char *constant; /* the C constant, for traces: \"SO_RCVBUF\" */\n")
                .append("    int level;\n")
                .append("    int optname;\n")
                .append("    enum lt_type type;\n")
                .append("    unsigned protocols;   /* LT_TCP | LT_UDP: the sockets that take it */\n")
                .append("    unsigned families;    /* LT_IPV4 | LT_IPV6 */\n")
                .append("    int listeners_only;   /* set on listening sockets only */\n")
                .append("    long long min, max;   /* the accepted values; LT_STRING: the length;"
                        + " LT_LINGER: the seconds */\n")
                .append("};\n\n");

        h.append("#define LT_OPTION_COUNT ").append(OptionRegistry.all().size()).append("\n")
                .append("extern const struct lt_option lt_options[LT_OPTION_COUNT];\n\n")
                .append("/* Defined in the one file that defines LT_DEFINE_OPTION_TABLE first. */\n")
                .append("#ifdef LT_DEFINE_OPTION_TABLE\n");
        h.append("const struct lt_option lt_options[LT_OPTION_COUNT] = {\n");
        for (SocketOption o : OptionRegistry.all()) {
            long[] range = range(o);
            h.append(String.format(Locale.ROOT, "    { %s, %s, %d, %d, LT_%s, %s, %s, %d, %dLL, %dLL },%n",
                    quote(o.name()), quote(o.name().toUpperCase(Locale.ROOT)), o.level(), o.optname(),
                    o.type().name(), bits(o.protocols()), bits(o.families()), o.listenersOnly() ? 1 : 0,
                    range[0], range[1]));
        }
        h.append("};\n#endif\n\n#endif\n");
        return h.toString();
    }

    /** The range the module's JSON Schema accepts, so that the shim checks values the same way. */
    static long[] range(SocketOption option) {
        JsonNode schema = option.schema();
        switch (option.type()) {
            case BOOL:
                return new long[] {0, 1};
            case STRING:
                return new long[] {schema.path("minLength").asLong(), schema.path("maxLength").asLong()};
            case LINGER: {
                JsonNode seconds = schema.path("properties").path("seconds");
                return new long[] {seconds.path("minimum").asLong(), seconds.path("maximum").asLong()};
            }
            default:
                if (!schema.has("minimum") || !schema.has("maximum")) {
                    throw new IllegalStateException(option.name() + ": the registry gives no range");
                }
                return new long[] {schema.get("minimum").asLong(), schema.get("maximum").asLong()};
        }
    }

    private static <E extends Enum<E>> String bits(Set<E> set) {
        StringBuilder s = new StringBuilder();
        for (E e : set) {
            s.append(s.length() == 0 ? "" : " | ").append("LT_").append(e.name());
        }
        return s.toString();
    }

    private static void define(StringBuilder h, String name, String value) {
        h.append("#define ").append(name).append(' ').append(value).append('\n');
    }

    private static String quote(String s) {
        if (!s.matches("[A-Za-z0-9_]+")) {
            throw new IllegalStateException("not a plain C identifier or name: " + s);
        }
        return '"' + s + '"';
    }
}
