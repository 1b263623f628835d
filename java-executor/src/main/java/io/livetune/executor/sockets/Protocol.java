package io.livetune.executor.sockets;

import java.util.Locale;

/** The transport protocols livetune works on, as users name them. */
public enum Protocol {
    TCP, UDP;

    /** Lower case, made once: an inventory labels every one of tens of thousands of sockets. */
    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
