package org.conveyord.mqtt;

import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device for gateway tests: records every command it is asked to run; {@code poke} (and {@code print}) answer at once,
 * {@code hold} answers only when the test calls {@link #release()}, {@code boom} throws.
 */
final class FakeDevice implements Device {

    final List<Command> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger counter = new AtomicInteger();
    volatile DeviceStatus status = DeviceStatus.ONLINE;
    private final String id;
    private volatile CompletableFuture<CommandResult> held = new CompletableFuture<>();

    FakeDevice(String id) { this.id = id; }

    @Override public String id() { return id; }
    @Override public String kind() { return "fake"; }
    @Override public List<String> actions() { return List.of("poke", "hold", "boom", "start", "print"); }
    @Override public void start() {}
    @Override public void stop() {}
    @Override public DeviceStatus status() { return status; }
    @Override public Map<String, Object> state() { return Map.of("counter", counter.get()); }

    @Override
    public CompletionStage<CommandResult> handle(Command cmd) {
        seen.add(cmd);
        return switch (cmd.action()) {
            case "hold" -> held;
            case "boom" -> throw new IllegalStateException("fake device blew up");
            default -> CompletableFuture.completedFuture(CommandResult.answer(Map.of("poked", seen.size())));
        };
    }

    void release() { held.complete(CommandResult.answer(Map.of("held", true))); }

    long seenWithId(String cmdId) { return seen.stream().filter(c -> c.id().equals(cmdId)).count(); }
}
