package org.conveyord.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What {@code /metrics} reports, in the Prometheus client's registry. Line figures are counted from
 * the event stream ({@link #onEvent}, fed by {@link MetricsEventSink}), never read out of the control
 * thread; gateway and device figures are read at scrape time.
 *
 * <p>The line does not report when a diverter fired against when it should have, so there is no
 * divert timing error histogram; control-loop lag is measured by a probe on the loop's own timer.
 */
public final class LineMetrics {

    /** Orders whose first bag was seen but not their completion: bounded, oldest forgotten first. */
    private static final int MAX_OPEN_ORDERS = 10_000;

    /** What the gateway counts, read at scrape time. */
    public record GatewayFigures(long eventsSent, long eventsDropped, long outboxBytes) {}

    private final AtomicBoolean jvmRegistered = new AtomicBoolean();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter inducted;
    private final Counter diverted;
    private final Counter exceptions;
    private final Counter jams;
    private final Counter estops;
    private final Counter commands;
    private final Histogram orderSeconds;
    private final Histogram loopLagSeconds;
    /** order id -> nanoTime of its first bag-inducted */
    private final Map<String, Long> firstBagNanos = new ConcurrentHashMap<>();

    public LineMetrics(Supplier<GatewayFigures> gateway, Supplier<Map<String, Device>> devices) {
        inducted = Counter.builder().name("conveyord_bags_inducted_total").help("Bags inducted onto the line")
                .labelNames("line").register(registry);
        diverted = Counter.builder().name("conveyord_bags_diverted_total").help("Bags diverted, by destination lane")
                .labelNames("line", "dest").register(registry);
        exceptions = Counter.builder().name("conveyord_bags_exception_total")
                .help("Bags sent to the exception lane, by reason").labelNames("line", "reason").register(registry);
        jams = Counter.builder().name("conveyord_jams_total").help("Jams detected, by zone")
                .labelNames("line", "zone").register(registry);
        estops = Counter.builder().name("conveyord_estops_total").help("Emergency stops pressed")
                .labelNames("line").register(registry);
        commands = Counter.builder().name("conveyord_commands_total")
                .help("Commands answered, by action and result (OK, REPEAT or the error code)")
                .labelNames("action", "result").register(registry);
        orderSeconds = Histogram.builder().name("conveyord_order_duration_seconds")
                .help("Time from an order's first bag inducted to the order complete").unit(Unit.SECONDS)
                .classicOnly().classicUpperBounds(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
                .labelNames("line").register(registry);
        loopLagSeconds = Histogram.builder().name("conveyord_control_loop_lag_seconds")
                .help("How late the control loop's periodic probe ran").unit(Unit.SECONDS)
                .classicOnly().classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5)
                .labelNames("line").register(registry);
        CounterWithCallback.builder().name("conveyord_events_sent_total").help("Events the broker acknowledged")
                .callback(cb -> cb.call(gateway.get().eventsSent())).register(registry);
        CounterWithCallback.builder().name("conveyord_events_dropped_total")
                .help("Events lost (outbox cap or expiry) before the broker had them")
                .callback(cb -> cb.call(gateway.get().eventsDropped())).register(registry);
        GaugeWithCallback.builder().name("conveyord_outbox_bytes").help("Unsent events and replies on disk")
                .unit(Unit.BYTES).callback(cb -> cb.call(gateway.get().outboxBytes())).register(registry);
        GaugeWithCallback.builder().name("conveyord_device_status")
                .help("1 for each device's current status (online, offline, fault), 0 for the others")
                .labelNames("device", "status").callback(cb -> devices.get().forEach((id, d) -> {
                    DeviceStatus s = d.status();
                    for (DeviceStatus.State state : DeviceStatus.State.values()) {
                        cb.call(s != null && s.state() == state ? 1 : 0, id, state.name().toLowerCase(java.util.Locale.ROOT));
                    }
                })).register(registry);
    }

    /** An event as devices emit it; any thread. */
    public void onEvent(String device, String type, Map<String, Object> fields) {
        switch (type) {
            case "bag-inducted" -> {
                inducted.labelValues(device).inc();
                Object order = fields.get("order");
                if (order != null) {
                    if (firstBagNanos.size() >= MAX_OPEN_ORDERS) firstBagNanos.clear();
                    firstBagNanos.putIfAbsent(device + "/" + order, System.nanoTime());
                }
            }
            case "bag-diverted" -> {
                String dest = String.valueOf(fields.get("dest"));
                diverted.labelValues(device, dest).inc();
                if ("exception".equals(dest)) exceptions.labelValues(device, String.valueOf(fields.get("reason"))).inc();
            }
            case "jam" -> {
                if (!Boolean.TRUE.equals(fields.get("cleared"))) jams.labelValues(device, String.valueOf(fields.get("zone"))).inc();
            }
            case "estop" -> {
                if (Boolean.TRUE.equals(fields.get("active"))) estops.labelValues(device).inc();
            }
            case "order-complete" -> {
                Long first = firstBagNanos.remove(device + "/" + fields.get("order"));
                if (first != null) orderSeconds.labelValues(device).observe((System.nanoTime() - first) / 1e9);
            }
            case "order-incomplete" -> firstBagNanos.remove(device + "/" + fields.get("order"));
            default -> { }
        }
    }

    /** A command's audited outcome; any thread. */
    public void onCommand(String action, String result) {
        commands.labelValues(action, result).inc();
    }

    /**
     * A probe for a line's control loop: run it every {@code periodNanos} on the loop's own timer, and
     * it records how much later than due each run came.
     */
    public Runnable loopLagProbe(String line, long periodNanos) {
        return new Runnable() {
            private long last;

            @Override
            public void run() {
                long now = System.nanoTime();
                if (last != 0) loopLagSeconds.labelValues(line).observe(Math.max(0, now - last - periodNanos) / 1e9);
                last = now;
            }
        };
    }

    /**
     * The JVM figures come from the platform MXBeans, whose first use loads JMX (about 0.3 s of class
     * loading): that waits for the first scrape instead of delaying the line's start.
     */
    private void registerJvmMetricsOnce() {
        if (jvmRegistered.compareAndSet(false, true)) JvmMetrics.builder().register(registry);
    }

    public String contentType() { return PrometheusTextFormatWriter.CONTENT_TYPE; }

    public void write(OutputStream out) throws IOException {
        registerJvmMetricsOnce();
        writer.write(out, registry.scrape());
    }
}
