package io.livetune.executor.resident;

import java.time.Duration;

/**
 * How long and how much a resident serves.
 *
 * @param idle           it exits after this long without a request
 * @param maxRequests    it exits after this many requests (a fresh JVM now and then bounds what any leak could grow to)
 * @param maxRequestBytes the largest task JSON it reads (the protocol's size limit)
 * @param exchange       how long a client may take to send its request or its "go", and to read the answer
 */
public record Limits(Duration idle, int maxRequests, int maxRequestBytes, Duration exchange) {
    public static final int DEFAULT_MAX_REQUESTS = 1000;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    public static final Duration DEFAULT_EXCHANGE = Duration.ofSeconds(10);

    public static Limits of(Duration idle, int maxRequests) {
        return new Limits(idle, maxRequests, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_EXCHANGE);
    }
}
