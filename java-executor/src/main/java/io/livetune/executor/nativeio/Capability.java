package io.livetune.executor.nativeio;

/**
 * Capability numbers, from include/uapi/linux/capability.h: bit positions in the CapEff mask of
 * /proc/PID/status.
 */
public final class Capability {
    /** Lock memory without RLIMIT_MEMLOCK's limit. */
    public static final int CAP_IPC_LOCK = 14;
    /** ptrace and pidfd_getfd any process, whoever owns it (Yama's scope 1 and 2 still ask for it). */
    public static final int CAP_SYS_PTRACE = 19;

    private Capability() {
    }
}
