package org.conveyord.mqtt;

import org.conveyord.sim.broker.EmbeddedBroker;
import org.conveyord.device.Command;
import org.conveyord.device.CommandResult;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.conveyord.mqtt.TestMqttClient.PATIENCE;

/**
 * The trailing edge of state coalescing (issue 13): whatever the pattern of changes, once the device
 * is quiet the retained {@code state/<device>} on the broker is the device's current state. The
 * device changes in random bursts, and like the line controller it sometimes notifies before the copy
 * it serves is refreshed.
 */
class StateCoalescingIT {

    private static final String DEVICE = "drift-1";

    @TempDir
    Path stateDir;

    private EmbeddedBroker broker;
    private ScheduledExecutorService scheduler;
    private ScheduledExecutorService deviceThread;
    private MqttGateway gw;
    private BurstyDevice device;
    private TestMqttClient op;

    @BeforeEach
    void up() throws Exception {
        broker = EmbeddedBroker.start("127.0.0.1", 0);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        deviceThread = Executors.newSingleThreadScheduledExecutor();
        gw = GatewayFixture.gateway(broker.url(), stateDir, scheduler);
        device = new BurstyDevice(gw.stateListener(), deviceThread);
        gw.register(device);
        gw.start();
        await().atMost(PATIENCE).until(gw::isConnected);
        op = new TestMqttClient(broker.url(), GatewayFixture.BASE);
    }

    @AfterEach
    void down() throws Exception {
        gw.stop();
        if (op != null) op.close();   // null when the connect in up() failed
        deviceThread.shutdownNow();
        scheduler.shutdownNow();
        broker.stop();
    }

    @RepeatedTest(3)
    void afterRandomBurstsTheRetainedStateIsTheDevicesState() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long startNanos = System.nanoTime();
        for (int round = 0; round < 4; round++) {
            int bursts = 3 + random.nextInt(6);
            long atMs = 0;
            for (int b = 0; b < bursts; b++) {
                atMs += random.nextInt(180); // sometimes inside one 100 ms window, sometimes across several
                int changes = 1 + random.nextInt(15);
                long seedOfBurst = random.nextLong();
                device.schedule(() -> device.burst(new Random(seedOfBurst), changes), atMs);
            }
            await("device quiet, seed " + seed).atMost(PATIENCE).until(device::quiet);
            int expected = device.current();
            await("last state/" + DEVICE + " is " + expected + ", seed " + seed).atMost(PATIENCE)
                    .until(() -> lastCounter(op) == expected);
        }
        int expected = device.current();
        // what a consumer that connects now is given by the broker: the retained message (Moquette
        // clears the retained flag on delivery, so it is known by arriving before anything is published)
        try (var late = new ClosingClient(new TestMqttClient(broker.url(), GatewayFixture.BASE))) {
            TestMqttClient.Msg retained = late.client().awaitMessage("state/" + DEVICE, m -> true);
            assertThat(retained.json().path("counter").asInt()).as("seed %d", seed).isEqualTo(expected);
        }
        // still coalesced: at most one publish per 100 ms (and the one after connecting)
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertThat(op.count("state/" + DEVICE, m -> true)).as("seed %d", seed).isLessThanOrEqualTo(elapsedMs / 100 + 2);
    }

    private static int lastCounter(TestMqttClient c) {
        List<TestMqttClient.Msg> states = c.on("state/" + DEVICE);
        return states.isEmpty() ? -1 : states.getLast().json().path("counter").asInt();
    }

    private record ClosingClient(TestMqttClient client) implements AutoCloseable {
        @Override
        public void close() throws Exception { client.close(); }
    }

    /**
     * Changes on its own thread. Each change either refreshes the served copy and then notifies, or
     * notifies first and refreshes the copy a few milliseconds later (the pattern of a controller that
     * notifies inside its step).
     */
    static final class BurstyDevice implements Device {
        private final StateListener listener;
        private final ScheduledExecutorService thread;
        private final AtomicInteger tasksLeft = new AtomicInteger();
        // device thread only
        private int live;
        private volatile int served;

        BurstyDevice(StateListener listener, ScheduledExecutorService thread) {
            this.listener = listener;
            this.thread = thread;
        }

        void schedule(Runnable task, long delayMs) {
            tasksLeft.incrementAndGet();
            thread.schedule(() -> {
                try {
                    task.run();
                } finally {
                    tasksLeft.decrementAndGet();
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        }

        void burst(Random random, int changes) {
            for (int i = 0; i < changes; i++) {
                live++;
                if (random.nextBoolean()) {
                    served = live;
                    listener.stateChanged(DEVICE);
                } else {
                    listener.stateChanged(DEVICE);
                    int value = live;
                    schedule(() -> served = Math.max(served, value), random.nextInt(20));
                }
            }
        }

        boolean quiet() { return tasksLeft.get() == 0; }

        int current() { return served; }

        @Override public String id() { return DEVICE; }
        @Override public String kind() { return "fake"; }
        @Override public List<String> actions() { return List.of(); }
        @Override public void start() {}
        @Override public void stop() {}
        @Override public DeviceStatus status() { return DeviceStatus.ONLINE; }
        @Override public Map<String, Object> state() { return Map.of("counter", served); }

        @Override
        public CompletionStage<CommandResult> handle(Command cmd) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no commands"));
        }
    }
}
