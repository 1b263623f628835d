package io.livetune.executor.sockets;

import java.util.Locale;

/** The transport protocols livetune works on, as users name them. */
public enum Protocol {
    TCP, UDP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
