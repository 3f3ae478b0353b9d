package org.conveyord.scale;

import org.conveyord.device.DeviceContext;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.LinkedDevice;
import org.conveyord.device.StatusDetail;
import org.conveyord.link.ByteLink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every scale reports, whatever its protocol: status ({@code fault} events on overload,
 * underload, not-ready, hardware errors, silence and link loss, one per episode), the last weight for
 * {@code state/<id>}, and {@code weight} events when a stable weight moved more than the threshold.
 * <p>
 * Threading: any thread; the weight is changed under {@code this}, events are emitted after the lock
 * is released.
 */
abstract class LinkedScale extends LinkedDevice implements Scale {

    private final double thresholdGrams;
    private Double grams;
    private boolean stable;
    private double lastEventGrams = Double.NaN;
    private volatile long lastChangeNanos = System.nanoTime();

    LinkedScale(String id, ByteLink link, DeviceContext ctx, double thresholdGrams) {
        super(id, link, ctx);
        this.thresholdGrams = thresholdGrams;
    }

    @Override public final String kind() { return "scale"; }

    @Override public final List<String> actions() { return List.of("read", "tare", "zero"); }

    @Override
    public final Map<String, Object> state() {
        DeviceStatus st = status();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("online", st.isOnline());
        putStatus(s);
        synchronized (this) {
            s.put("grams", grams);
            s.put("stable", stable);
        }
        return s;
    }

    /** The {@code read} command's answer. */
    protected static Map<String, Object> readAnswer(Weight w) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("grams", w.grams());
        a.put("stable", w.stable());
        return a;
    }

    /** A weight came in: online again, state, and a {@code weight} event when it is news. */
    protected final void weighed(double g, boolean st) {
        boolean emit;
        boolean changed;
        synchronized (this) {
            if (isStopped()) return;
            changed = grams == null || grams != g || stable != st;
            if (changed) lastChangeNanos = System.nanoTime();
            grams = g;
            stable = st;
            emit = st && (Double.isNaN(lastEventGrams) || Math.abs(g - lastEventGrams) > thresholdGrams);
            if (emit) lastEventGrams = g;
        }
        updateStatus(DeviceStatus.ONLINE);
        if (emit) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("grams", g);
            f.put("stable", true);
            ctx.events().emit(id, "weight", f, null);
        }
        if (changed) ctx.stateListener().stateChanged(id);
    }

    /** How long the weight has stood still (since the start when it never moved). */
    protected final long nanosSinceWeightChanged() { return System.nanoTime() - lastChangeNanos; }

    /**
     * The scale answers but cannot weigh; {@code reason} is also the {@code fault} event's reason
     * (overload, underload, not-ready, hardware-error, no-answer, no-data).
     */
    protected final void fault(StatusDetail detail, String reason) {
        updateStatus(DeviceStatus.fault(detail, reason));
    }

    /** One {@code fault} event per episode: a link that stays down is not news again. */
    @Override
    protected final void statusChanged(DeviceStatus previous, DeviceStatus next) {
        if (next.isOnline()) return;
        if (next.state() == DeviceStatus.State.OFFLINE) {
            if (previous.state() != DeviceStatus.State.OFFLINE) emitFault("offline");
            return;
        }
        emitFault(next.reason());
    }

    private void emitFault(String reason) {
        ctx.events().emit(id, "fault", new LinkedHashMap<>(Map.of("reason", reason)), null);
    }
}
