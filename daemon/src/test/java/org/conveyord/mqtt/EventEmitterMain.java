package org.conveyord.mqtt;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A daemon stand-in for crash tests, run in its own JVM: a gateway (durable outbox in
 * {@code stateDir}) that emits {@code event/fake-1/tick} at {@code ratePerS} until {@code count} are out
 * (then stops cleanly) or until it is killed. Prints "emitted <seq>" after each event, so the test
 * knows how far it got before it pulls the plug.
 * Usage: EventEmitterMain brokerUrl stateDir ratePerS count
 */
public final class EventEmitterMain {

    private EventEmitterMain() {}

    public static void main(String[] args) {
        String url = args[0];
        Path stateDir = Path.of(args[1]);
        int rate = Integer.parseInt(args[2]);
        long count = Long.parseLong(args[3]);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        MqttGateway gw = GatewayFixture.gateway(url, stateDir, scheduler);
        gw.register(new FakeDevice("fake-1"));
        gw.start();
        long periodNanos = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            long seq = gw.events().emit("fake-1", "tick", Map.of("n", i));
            System.out.println("emitted " + seq);
            System.out.flush();
            next += periodNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
        }
        gw.stop();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("done");
        System.exit(0);
    }
}
