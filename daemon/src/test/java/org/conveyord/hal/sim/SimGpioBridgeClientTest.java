package org.conveyord.hal.sim;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The bridge's input snapshot arrives line by line after HELLO: a read in between must not answer "low". */
class SimGpioBridgeClientTest {

    @Test
    void aPinReadBeforeItsSnapshotLineArrivedWaitsForItInsteadOfReadingLow() throws Exception {
        CountDownLatch helloSent = new CountDownLatch(1);
        CountDownLatch mayFinishSnapshot = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread sim = new Thread(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("HELLO device-sim 1\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    helloSent.countDown();
                    mayFinishSnapshot.await(5, TimeUnit.SECONDS);
                    out.write("IN 4 1 1000\n".getBytes(StandardCharsets.US_ASCII));   // NC e-stop: released
                    out.flush();
                    while (s.getInputStream().read() >= 0) { }   // keep the link up until the client goes away
                } catch (Exception e) {
                    // the client closed
                }
            });
            sim.start();
            SimGpioBridgeClient client = new SimGpioBridgeClient("127.0.0.1", server.getLocalPort());
            try {
                client.start();
                assertThat(client.awaitFirstSync(5, TimeUnit.SECONDS)).isTrue();
                assertThat(helloSent.await(5, TimeUnit.SECONDS)).isTrue();
                // the e-stop's level is read now, on another thread; its IN line is sent once that read waits
                var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.inputLevel(4));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
                        .until(() -> read.isDone() || waitingThreads(client) > 0);
                assertThat(read.isDone()).as("the read waits for the line (at most 500 ms)").isFalse();
                mayFinishSnapshot.countDown();
                assertThat(read.get(5, TimeUnit.SECONDS)).as("the real level, not the default low").isTrue();
                // a pin the sim never sends is waited for once, then reads low
                assertThat(client.inputLevel(99)).isFalse();
            } finally {
                client.close();
                sim.join(5000);
            }
        }
    }

    /** Threads parked in a timed wait inside the client's inputLevel: the read is waiting for its line. */
    private static long waitingThreads(SimGpioBridgeClient client) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getState() == Thread.State.TIMED_WAITING)
                .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("inputLevel")))
                .count();
    }
}
