package io.livetune.executor.modules.socketinfo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Where socket_info's entries go as they are read, in order: the result's {@code sockets}
 * array for Ansible, or a front that writes them out at once (the {@code sockets --json}
 * command), so that a listing of tens of thousands of sockets is not first held whole.
 *
 * <p>Handing entries on is two steps so that the costly one runs on every core: {@link
 * #prepare} (for the JSON front, writing a run of entries to bytes) is called for several
 * runs at once, on any thread, in no order; {@link #accept} gets what it made, on one
 * thread, run after run in the listing's order.
 *
 * @param <T> a run of consecutive entries made ready to be handed on
 */
public interface SocketEntrySink<T> {
    /** Called on any thread, for several runs at once: must keep no state of its own. */
    T prepare(List<ObjectNode> run);

    /** Called on one thread, in the listing's order. */
    void accept(T prepared);

    /** Into {@code array}, as they are: the module's own result. */
    static SocketEntrySink<List<ObjectNode>> into(ArrayNode array) {
        return new SocketEntrySink<>() {
            @Override
            public List<ObjectNode> prepare(List<ObjectNode> run) {
                return run;
            }

            @Override
            public void accept(List<ObjectNode> run) {
                run.forEach(array::add);
            }
        };
    }
}
