package io.livetune.executor.sockets;

import java.util.Locale;

/** Address families, as users name them. */
public enum Family {
    IPV4, IPV6;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
