package org.conveyord.scale;

import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every scale reports, whatever its protocol: status (logged on change, {@code fault} events on
 * overload, underload, not-ready, hardware errors and link loss, one per episode), the last weight
 * for {@code state/<id>}, and {@code weight} events when a stable weight moved more than the threshold.
 * <p>
 * Threading: any thread; state is changed under {@code this}, events are emitted after the lock is released.
 */
final class ScaleReporter {

    private static final Logger log = LoggerFactory.getLogger(ScaleReporter.class);

    private final String id;
    private final DeviceContext ctx;
    private final double thresholdGrams;
    private final String via;
    private DeviceStatus status = DeviceStatus.offline("not connected yet");
    private Double grams;
    private boolean stable;
    private double lastEventGrams = Double.NaN;
    private boolean stopped;

    ScaleReporter(String id, DeviceContext ctx, double thresholdGrams, String via) {
        this.id = id;
        this.ctx = ctx;
        this.thresholdGrams = thresholdGrams;
        this.via = via;
    }

    synchronized DeviceStatus status() {
        return status;
    }

    synchronized Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("online", status.isOnline());
        s.put("status", status.state().name().toLowerCase());
        s.put("reason", status.reason());
        s.put("grams", grams);
        s.put("stable", stable);
        return s;
    }

    synchronized void stop() {
        stopped = true;
    }

    /** A weight came in: online again, state, and a {@code weight} event when it is news. */
    void weighed(double g, boolean st) {
        boolean emit;
        boolean changed;
        synchronized (this) {
            if (stopped) return;
            changed = grams == null || grams != g || stable != st;
            grams = g;
            stable = st;
            emit = st && (Double.isNaN(lastEventGrams) || Math.abs(g - lastEventGrams) > thresholdGrams);
            if (emit) lastEventGrams = g;
        }
        setStatus(DeviceStatus.ONLINE, null);
        if (emit) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("grams", g);
            f.put("stable", true);
            ctx.events().emit(id, "weight", f, null);
        }
        if (changed) ctx.stateListener().stateChanged(id);
    }

    void online() {
        setStatus(DeviceStatus.ONLINE, null);
    }

    /** The scale answers but cannot weigh: overload, underload, not-ready, hardware-error, no-answer. */
    void fault(String reason) {
        setStatus(DeviceStatus.fault(reason), reason);
    }

    void offline(String reason) {
        setStatus(DeviceStatus.offline(reason), "offline");
    }

    /** Sets the status; on a change logs it, tells the state listener, and emits {@code fault} when given a reason. */
    private void setStatus(DeviceStatus next, String faultReason) {
        boolean stillOffline;
        synchronized (this) {
            if (status.equals(next) || stopped) return;
            // a retry failing with another reason is not news: no second offline fault event
            stillOffline = status.state() == DeviceStatus.State.OFFLINE && next.state() == DeviceStatus.State.OFFLINE;
            status = next;
        }
        if (stillOffline) {
            log.debug("{} still offline: {}", id, next.reason());
            ctx.stateListener().stateChanged(id);
            return;
        }
        if (next.isOnline()) {
            log.info("{} online via {}", id, via);
        } else {
            log.warn("{} {}: {}", id, next.state().name().toLowerCase(), next.reason());
            if (faultReason != null) {
                ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", faultReason)), null);
            }
        }
        ctx.stateListener().stateChanged(id);
    }
}
