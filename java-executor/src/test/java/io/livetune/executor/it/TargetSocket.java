package io.livetune.executor.it;

/** A socket the target opened, as the target itself described it. */
record TargetSocket(String role, int fd, long inode, String family, String protocol,
                    String localAddress, int localPort, Integer remotePort) {
}
