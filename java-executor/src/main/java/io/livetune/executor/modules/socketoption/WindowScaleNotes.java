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
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A TCP connection fixes its receive window scale when it opens (RFC 7323). Raising
 * so_rcvbuf afterwards cannot widen its window past 65535 << scale; say so when that limits
 * the effect, once for all the connections concerned.
 */
final class WindowScaleNotes {
    private static final SocketSetting RCVBUF = OptionRegistry.get("so_rcvbuf");

    /** The connections whose window scale limits the new buffer, with a description of each. */
    private final Map<SocketPlan, String> limited = new HashMap<>();

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
            limited.put(plan, plan.target.describe() + ": " + (info.windowScaling()
                    ? "window scale " + info.receiveWindowScale() : "no window scaling")
                    + ", so at most " + info.maxReceiveWindow() + " bytes of window");
        }
    }

    /** One warning for the connections of {@code plans} (those still held) that the scale limits. */
    void warnInto(Task task, Collection<SocketPlan> plans) {
        int count = 0;
        String example = null;
        for (SocketPlan plan : plans) {
            String note = limited.get(plan);
            if (note != null) {
                count++;
                example = example == null ? note : example;
            }
        }
        if (count > 0) {
            task.warn("so_rcvbuf: " + count + " established connection(s) chose their window scale when they "
                    + "opened, which caps their receive window below the new buffer (e.g. " + example
                    + "). Connections opened from now on get the full effect.");
        }
    }
}
