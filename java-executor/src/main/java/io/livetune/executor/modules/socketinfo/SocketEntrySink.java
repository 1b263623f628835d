package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where socket_info's entries go as they are read, in order: the result's {@code sockets}
 * array for Ansible, or a front that writes them out at once (the {@code sockets --json}
 * command), so that a listing of tens of thousands of sockets is not first held whole.
 */
@FunctionalInterface
public interface SocketEntrySink {
    void accept(ObjectNode entry);
}
