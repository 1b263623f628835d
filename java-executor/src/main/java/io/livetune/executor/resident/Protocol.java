package io.livetune.executor.resident;

/**
 * What passes over the resident's socket (docs/resident-executor.md; resources/resident/client.py
 * is the other end, and the one client). Lines end with \n; lengths are byte counts.
 *
 * <pre>
 * client: livetune-resident 1 MODULE LENGTH\n  then LENGTH bytes: the task's JSON
 * server: accepted\n                             (or refused REASON\n, then it closes)
 * client: go\n                                   from here on the client never starts a cold run
 * server: done STATUS OUT_LENGTH ERR_LENGTH\n    then the executor's stdout, then its stderr
 * </pre>
 *
 * The server runs nothing before "go": a client that gave up waiting for "accepted" (and ran
 * the task cold) can never have it run twice.
 */
final class Protocol {
    static final String HELLO = "livetune-resident";
    static final String VERSION = "1";
    static final String ACCEPTED = "accepted";
    static final String REFUSED = "refused";
    static final String GO = "go";
    static final String DONE = "done";
    /** The name of the socket in the resident's directory (short: sun_path holds 108 bytes). */
    static final String SOCKET = "s";
    /** Held by the one resident serving a directory. */
    static final String LOCK = "lock";
    /** The client, written by the resident beside its socket for executor_run.sh to run. */
    static final String CLIENT = "client.py";
    static final int MAX_LINE = 256;

    private Protocol() {
    }

    /** A module name as the header carries it (Main.run tells an unknown one). */
    static boolean isModuleName(String name) {
        return name.matches("[a-z_]{1,64}");
    }
}
