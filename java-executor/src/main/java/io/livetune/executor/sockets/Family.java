package io.livetune.executor.sockets;

import java.util.Locale;

/** Address families, as users name them. */
public enum Family {
    IPV4, IPV6;

    /** Lower case, made once: an inventory labels every one of tens of thousands of sockets. */
    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
