package io.livetune.executor.sockets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.sockets.diag.InetDiagMessage;
import java.util.EnumSet;
import java.util.Set;

/**
 * One entry of the {@link OptionRegistry}: a socket option read with getsockopt and set with
 * setsockopt on the duplicated descriptor, with everything the schema, the docs and the
 * planner need to know about it.
 */
public final class SocketOption implements SocketSetting {
    private final String name;
    private final int level;
    private final int optname;
    private final int forceOptname;
    private final ValueType type;
    private final Set<Protocol> protocols;
    private final Set<Family> families;
    private final boolean listenersOnly;
    private final Long minimum;
    private final Long maximum;
    private final KernelReport report;
    private final SockDiagField sockDiag;
    private final String description;

    private SocketOption(Builder b) {
        this.name = b.name;
        this.level = b.level;
        this.optname = b.optname;
        this.forceOptname = b.forceOptname;
        this.type = b.type;
        this.protocols = b.protocols;
        this.families = b.families;
        this.listenersOnly = b.listenersOnly;
        this.minimum = b.minimum;
        this.maximum = b.maximum;
        this.report = b.report;
        this.sockDiag = b.sockDiag;
        this.description = b.description;
    }

    static Builder option(String name, int level, int optname, ValueType type) {
        return new Builder(name, level, optname, type);
    }

    @Override
    public String name() {
        return name;
    }

    public int level() {
        return level;
    }

    public int optname() {
        return optname;
    }

    public ValueType type() {
        return type;
    }

    public Set<Protocol> protocols() {
        return protocols;
    }

    public Set<Family> families() {
        return families;
    }

    public String description() {
        return description;
    }

    /** Whether {@code force: true} changes how it is set (SO_RCVBUFFORCE / SO_SNDBUFFORCE). */
    public boolean forceable() {
        return forceOptname >= 0;
    }

    @Override
    public boolean takes(Protocol protocol, Family family) {
        return protocols.contains(protocol) && families.contains(family);
    }

    @Override
    public boolean listenersOnly() {
        return listenersOnly;
    }

    @Override
    public JsonNode read(LiveSocket socket) throws ErrnoException {
        return type.decode(socket.getsockopt(level, optname, type.size()));
    }

    /**
     * The value the kernel's socket diagnostics gave at the scan, which is what {@link #read}
     * would return; null when they do not carry this option (or did not this time).
     */
    JsonNode fromSockDiag(InetDiagMessage diag) {
        return sockDiag == null || diag == null ? null : sockDiag.of(diag);
    }

    @Override
    public void write(LiveSocket socket, JsonNode requested, boolean force) throws ErrnoException {
        socket.setsockopt(level, force && forceable() ? forceOptname : optname, type.encode(requested));
    }

    /**
     * Buffers report twice what was set, so half is written back; through the FORCE variant
     * where we may, because the old value can be above today's rmem_max/wmem_max.
     */
    @Override
    public void restore(LiveSocket socket, JsonNode reported) throws ErrnoException {
        if (!forceable()) {
            write(socket, reported, false);
            return;
        }
        byte[] half = type.encode(com.fasterxml.jackson.databind.node.IntNode.valueOf(reported.asInt() / 2));
        try {
            socket.setsockopt(level, forceOptname, half);
        } catch (ErrnoException e) {
            socket.setsockopt(level, optname, half);
        }
    }

    @Override
    public Expected expect(JsonNode requested, JsonNode current, KernelFacts facts, boolean force,
            Protocol protocol) {
        return report.expect(type.normalise(requested), current, facts, force, protocol);
    }

    /** The JSON Schema of this option's value; error messages are phrased from it. */
    public ObjectNode schema() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", type.jsonType());
        if (minimum != null) {
            schema.put("minimum", minimum);
        }
        if (maximum != null) {
            schema.put("maximum", maximum);
        }
        if (type == ValueType.STRING) {
            schema.put("minLength", 1);
            schema.put("maxLength", 15);
        }
        if (type == ValueType.LINGER) {
            ObjectNode properties = schema.putObject("properties");
            properties.putObject("enabled").put("type", "boolean");
            properties.putObject("seconds").put("type", "integer").put("minimum", 0).put("maximum", 65535);
            schema.putArray("required").add("enabled");
            schema.put("additionalProperties", false);
        }
        schema.put("description", description);
        return schema;
    }

    static final class Builder {
        private final String name;
        private final int level;
        private final int optname;
        private final ValueType type;
        private int forceOptname = -1;
        private Set<Protocol> protocols = EnumSet.allOf(Protocol.class);
        private Set<Family> families = EnumSet.allOf(Family.class);
        private boolean listenersOnly;
        private Long minimum;
        private Long maximum;
        private KernelReport report = KernelReport.EXACT;
        private SockDiagField sockDiag;
        private String description = "";

        private Builder(String name, int level, int optname, ValueType type) {
            this.name = name;
            this.level = level;
            this.optname = optname;
            this.type = type;
            if (type == ValueType.INT || type == ValueType.UINT) {
                minimum = 0L;
                maximum = type == ValueType.UINT ? 0xffffffffL : Integer.MAX_VALUE;
            }
        }

        Builder range(long min, long max) {
            this.minimum = min;
            this.maximum = max;
            return this;
        }

        Builder only(Protocol protocol) {
            this.protocols = EnumSet.of(protocol);
            return this;
        }

        Builder only(Family family) {
            this.families = EnumSet.of(family);
            return this;
        }

        Builder listenersOnly() {
            this.listenersOnly = true;
            return this;
        }

        Builder force(int forceOptname) {
            this.forceOptname = forceOptname;
            return this;
        }

        Builder reported(KernelReport report) {
            this.report = report;
            return this;
        }

        /** The kernel's socket diagnostics carry its value (so a listing needs no getsockopt for it). */
        Builder inSockDiag(SockDiagField field) {
            this.sockDiag = field;
            return this;
        }

        SocketOption build(String description) {
            this.description = description;
            return new SocketOption(this);
        }
    }
}
