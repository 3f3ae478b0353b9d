package org.conveyord.hal.sim;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge's input snapshot arrives line by line after HELLO: the client reports the link up only
 * after SNAPSHOT-END, with every snapshot level applied at once, so nothing above it can read a
 * normally-closed e-stop as "pressed" because its line had not arrived yet.
 */
class SimGpioBridgeClientTest {

    private ServerSocket server;
    private SimGpioBridgeClient client;
    private final List<String> levels = new CopyOnWriteArrayList<>();

    @BeforeEach
    void fakeSim() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setSoTimeout(5000);
        client = new SimGpioBridgeClient("127.0.0.1", server.getLocalPort());
        client.registerInput(4, (pin, high, nanos) -> levels.add(pin + "=" + (high ? 1 : 0)));
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        server.close();
    }

    @Test
    void theLinkIsReportedUpOnlyAfterTheWholeSnapshotArrived() throws Exception {
        List<Boolean> connectionChanges = new CopyOnWriteArrayList<>();
        client.onConnection(connectionChanges::add);
        client.start();
        try (Socket sim = server.accept()) {
            OutputStream out = sim.getOutputStream();
            // HELLO and the e-stop's line (NC: released = high), the eye's line still to come
            send(out, "HELLO device-sim 1\nIN 4 1 1000\n");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> !client.isConnected() && !client.inputLevel(4) && levels.isEmpty());
            assertThat(client.awaitFirstSync(0, TimeUnit.MILLISECONDS)).as("not started mid-snapshot").isFalse();
            assertThat(connectionChanges).isEmpty();

            send(out, "IN 101 0 1000\nSNAPSHOT-END 2\n");
            assertThat(client.awaitFirstSync(5, TimeUnit.SECONDS)).isTrue();
            assertThat(client.isConnected()).isTrue();
            assertThat(connectionChanges).containsExactly(true);
            assertThat(client.inputLevel(4)).as("the real level, not the default low").isTrue();
            assertThat(client.inputLevel(101)).isFalse();
            assertThat(levels).containsExactly("4=1");

            // after the snapshot each IN line is an edge at once
            send(out, "IN 4 0 2000\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> levels.size() == 2);
            assertThat(levels).containsExactly("4=1", "4=0");
            assertThat(client.inputLevel(4)).isFalse();
        }
        // the sim went away: reported down, every input low (the e-stop "pressed")
        await().atMost(Duration.ofSeconds(5)).until(() -> connectionChanges.size() == 2);
        assertThat(connectionChanges).containsExactly(true, false);
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    void aSnapshotWithMissingLinesIsNotTrustedAndTheClientConnectsAgain() throws Exception {
        client.start();
        try (Socket torn = server.accept()) {
            send(torn.getOutputStream(), "HELLO device-sim 1\nIN 4 1 1000\nSNAPSHOT-END 2\n");
            // the client drops this link: its end of the socket closes
            torn.setSoTimeout(5000);
            while (torn.getInputStream().read() >= 0) {
                // the client's HELLO and OUT lines; the end of the stream is what counts
            }
            assertThat(client.isConnected()).isFalse();
            assertThat(client.inputLevel(4)).isFalse();
            assertThat(levels).isEmpty();
        }
        try (Socket whole = server.accept()) {
            send(whole.getOutputStream(), "HELLO device-sim 1\nIN 4 1 1000\nIN 101 0 1000\nSNAPSHOT-END 2\n");
            assertThat(client.awaitFirstSync(5, TimeUnit.SECONDS)).isTrue();
            assertThat(client.inputLevel(4)).isTrue();
            assertThat(levels).containsExactly("4=1");
        }
    }

    private static void send(OutputStream out, String lines) throws IOException {
        out.write(lines.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
