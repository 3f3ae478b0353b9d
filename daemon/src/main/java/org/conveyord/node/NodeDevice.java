package org.conveyord.node;

import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.conveyord.device.ErrorCode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The daemon itself as a device ({@code cmd/node/ping}, {@code cmd/node/describe}). {@code describe}
 * reads every device's state: it is called on the MQTT gateway's thread, like the state publisher.
 */
public final class NodeDevice implements Device {

    public static final String ID = "node";

    private final BuildInfo build;
    private final String bootId;
    private final Clock clock;
    private final Instant started;
    private final Supplier<List<Device>> devices;

    /** @param devices every registered device, this one included, in registration order */
    public NodeDevice(BuildInfo build, String bootId, Clock clock, Supplier<List<Device>> devices) {
        this.build = build;
        this.bootId = bootId;
        this.clock = clock;
        this.started = clock.instant();
        this.devices = devices;
    }

    @Override
    public String id() { return ID; }

    @Override
    public String kind() { return "node"; }

    @Override
    public List<String> actions() { return List.of("ping", "describe"); }

    @Override
    public void start() {}

    @Override
    public void stop() {}

    @Override
    public DeviceStatus status() { return DeviceStatus.ONLINE; }

    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("version", build.version());
        s.put("commit", build.commit());
        s.put("bootId", bootId);
        s.put("started", started.toString());
        return s;
    }

    public long uptimeS() { return Duration.between(started, clock.instant()).toSeconds(); }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        return CompletableFuture.completedFuture(switch (cmd.action()) {
            case "ping" -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("version", build.version());
                r.put("uptimeS", uptimeS());
                yield CommandResult.answer(r);
            }
            case "describe" -> CommandResult.answer(Map.of("devices", describe()));
            default -> CommandResult.error(ErrorCode.UNKNOWN_ACTION,
                    "The node has no action '" + cmd.action() + "'; it knows ping and describe.");
        });
    }

    private List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Device d : devices.get()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id());
            m.put("kind", d.kind());
            m.put("actions", d.actions());
            DeviceStatus st = d.status();
            m.put("status", Map.of("state", st.state().name(), "reason", st.reason() == null ? "" : st.reason(),
                    "detail", st.detail().name()));
            m.put("state", d == this ? state() : d.state());
            out.add(m);
        }
        return out;
    }
}
