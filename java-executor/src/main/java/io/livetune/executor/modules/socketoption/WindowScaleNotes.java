package io.livetune.executor.modules.socketoption;

import com.fasterxml.jackson.databind.JsonNode;
import io.livetune.executor.modules.Task;
import io.livetune.executor.nativeio.ErrnoException;
import io.livetune.executor.sockets.LiveSocket;
import io.livetune.executor.sockets.OptionRegistry;
import io.livetune.executor.sockets.Protocol;
import io.livetune.executor.sockets.SocketSetting;
import io.livetune.executor.sockets.SocketState;
import io.livetune.executor.sockets.TcpInfo;

/**
 * A TCP connection fixes its receive window scale when it opens (RFC 7323). Raising
 * so_rcvbuf afterwards cannot widen its window past 65535 << scale; say so when that limits
 * the effect, once for all the connections concerned.
 */
final class WindowScaleNotes {
    private static final SocketSetting RCVBUF = OptionRegistry.get("so_rcvbuf");

    private int limited;
    private String example;

    void check(SocketPlan plan, LiveSocket duplicate) {
        if (!plan.after.containsKey(RCVBUF) || plan.target.socket().protocol() != Protocol.TCP
                || plan.target.socket().state() != SocketState.ESTABLISHED) {
            return;
        }
        JsonNode before = plan.before.get(RCVBUF);
        long after = plan.after.get(RCVBUF).asLong();
        if (after <= before.asLong()) {
            return;
        }
        TcpInfo info;
        try {
            info = TcpInfo.of(duplicate);
        } catch (ErrnoException e) {
            return; // the note is advice; the change itself does not depend on it
        }
        // Roughly half of the buffer becomes window (the rest is bookkeeping overhead).
        if (after / 2 > info.maxReceiveWindow()) {
            limited++;
            if (example == null) {
                example = plan.target.describe() + ": " + (info.windowScaling()
                        ? "window scale " + info.receiveWindowScale() : "no window scaling")
                        + ", so at most " + info.maxReceiveWindow() + " bytes of window";
            }
        }
    }

    void warnInto(Task task) {
        if (limited > 0) {
            task.warn("so_rcvbuf: " + limited + " established connection(s) chose their window scale when they "
                    + "opened, which caps their receive window below the new buffer (e.g. " + example
                    + "). Connections opened from now on get the full effect.");
        }
    }
}
