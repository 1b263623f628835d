package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.nativeio.Errno;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.procfs.Sysctl;

/** What to do when the kernel refuses a value. */
final class WriteAdvice {
    private WriteAdvice() {
    }

    static String forFailure(SocketSetting setting, JsonNode value, ErrnoException e) {
        if (e.is(Errno.EPERM)) {
            return ". Setting it needs CAP_NET_ADMIN in the socket's network namespace (force, so_mark, "
                    + "so_priority above 6 and raising so_busy_poll do)";
        }
        if (setting.name().equals("tcp_congestion") && e.is(Errno.ENOENT)) {
            return ". Available here (net.ipv4.tcp_available_congestion_control): "
                    + Sysctl.readOr("net.ipv4.tcp_available_congestion_control", "(unknown)");
        }
        if (e.is(Errno.EINVAL)) {
            return ". The kernel does not accept this value for this socket";
        }
        return "";
    }
}
