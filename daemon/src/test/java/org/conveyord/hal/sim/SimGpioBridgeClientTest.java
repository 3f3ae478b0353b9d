package org.conveyord.hal.sim;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

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
                    s.getInputStream().read();   // until the client goes away
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
                // the e-stop's level is read now; its IN line is sent a moment later
                Thread releaser = new Thread(() -> {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    mayFinishSnapshot.countDown();
                });
                releaser.start();
                assertThat(client.inputLevel(4)).as("the real level, not the default low").isTrue();
                // a pin the sim never sends is waited for once, then reads low
                assertThat(client.inputLevel(99)).isFalse();
            } finally {
                client.close();
                sim.join(5000);
            }
        }
    }
}
