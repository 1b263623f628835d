package io.livetune.executor.modules.socketoption;

import io.livetune.executor.modules.TaskFailure;
import io.livetune.executor.sockets.ScannedSocket;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.sockets.SocketState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which requested settings each matched socket takes. An option the socket type refuses
 * (tcp_nodelay on UDP) fails the task before anything changes; a listener-only setting
 * (backlog) passes over the connections that share the listener's port.
 */
final class Applicability {
    private Applicability() {
    }

    static Map<ScannedSocket, List<SocketSetting>> check(List<ScannedSocket> sockets, SocketOptionRequest request) {
        Map<ScannedSocket, List<SocketSetting>> applicable = new LinkedHashMap<>();
        Set<SocketSetting> usedSomewhere = new LinkedHashSet<>();
        for (ScannedSocket socket : sockets) {
            List<SocketSetting> settings = new ArrayList<>();
            for (SocketSetting setting : request.settings().keySet()) {
                if (!setting.takes(socket.socket().protocol(), socket.socket().family())) {
                    throw refused(setting, socket);
                }
                if (setting.listenersOnly() && socket.socket().state() != SocketState.LISTEN) {
                    continue;
                }
                settings.add(setting);
                usedSomewhere.add(setting);
            }
            if (!settings.isEmpty()) {
                applicable.put(socket, settings);
            }
        }
        for (SocketSetting setting : request.settings().keySet()) {
            if (!usedSomewhere.contains(setting)) {
                throw new TaskFailure(setting.name() + ": applies to listening TCP sockets only, and none of the "
                        + sockets.size() + " matched socket(s) is a TCP listener (add state: listen, or check local_port)");
            }
        }
        return applicable;
    }

    private static TaskFailure refused(SocketSetting setting, ScannedSocket socket) {
        String kind = socket.socket().protocol().label();
        String family = socket.socket().family().label();
        return new TaskFailure(setting.name() + ": " + kind + "/" + family + " sockets do not take this option ("
                + socket.describe() + " was matched); narrow the selection with protocol or family. "
                + "Nothing was changed.");
    }
}
