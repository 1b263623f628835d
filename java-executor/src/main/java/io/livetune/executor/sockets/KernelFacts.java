package io.livetune.executor.sockets;

/**
 * The limits the kernel applies to values set in one network namespace, read from the
 * sysctls of that namespace (see {@link KernelFactsReader}). They let livetune predict what
 * getsockopt will report after a change, which is what idempotency compares.
 */
public final class KernelFacts {
    private final long rmemMax;
    private final long wmemMax;
    private final long somaxconn;
    private final java.util.function.IntSupplier minRcvbuf;
    private final java.util.function.IntSupplier minSndbuf;
    private final java.util.function.IntSupplier jiffyMicros;

    public KernelFacts(long rmemMax, long wmemMax, long somaxconn,
            java.util.function.IntSupplier minRcvbuf, java.util.function.IntSupplier minSndbuf,
            java.util.function.IntSupplier jiffyMicros) {
        this.rmemMax = rmemMax;
        this.wmemMax = wmemMax;
        this.somaxconn = somaxconn;
        this.minRcvbuf = minRcvbuf;
        this.minSndbuf = minSndbuf;
        this.jiffyMicros = jiffyMicros;
    }

    /** Microseconds per jiffy (1,000,000 / CONFIG_HZ): the granularity of socket timeouts. */
    public int jiffyMicros() {
        return jiffyMicros.getAsInt();
    }

    /** net.core.rmem_max: the most SO_RCVBUF takes without force. */
    public long rmemMax() {
        return rmemMax;
    }

    /** net.core.wmem_max: the most SO_SNDBUF takes without force. */
    public long wmemMax() {
        return wmemMax;
    }

    /** net.core.somaxconn: the most a listen backlog can be. */
    public long somaxconn() {
        return somaxconn;
    }

    /** SOCK_MIN_RCVBUF: the floor the kernel raises small receive buffers to. */
    public int minRcvbuf() {
        return minRcvbuf.getAsInt();
    }

    /** SOCK_MIN_SNDBUF: the floor the kernel raises small send buffers to. */
    public int minSndbuf() {
        return minSndbuf.getAsInt();
    }
}
