package org.conveyord.link;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SerialLink through jssc on a socat pty pair: ttyA is the daemon's port, ttyB plays the device.
 * Killing socat makes the port vanish; starting it again brings it back.
 */
class SerialLinkPtyIT {

    @TempDir
    Path dir;
    private Process socat;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private SerialLink link;

    @BeforeEach
    void needsSocat() {
        Assumptions.assumeTrue(onPath("socat"), "socat not installed: serial path not tested");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (link != null) link.stop();
        scheduler.shutdownNow();
        if (socat != null) {
            socat.destroy();
            socat.waitFor();
        }
    }

    @Test
    void bytesBothWaysThenOfflineWhenThePortVanishesAndOnlineWhenItReturns() throws Exception {
        startSocat();
        RecordingLinkListener l = new RecordingLinkListener();
        link = new SerialLink(dir.resolve("ttyA").toString(), new SerialLink.Settings(9600, 8, "none", 1, "none"),
                scheduler, ReconnectPolicy.forDevices());
        link.start(l);
        await().atMost(Duration.ofSeconds(3)).until(link::isConnected);

        try (OutputStream toLink = Files.newOutputStream(dir.resolve("ttyB"));
             InputStream fromLink = Files.newInputStream(dir.resolve("ttyB"))) {
            toLink.write("B-1\r\n".getBytes(StandardCharsets.US_ASCII));
            toLink.flush();
            await().atMost(Duration.ofSeconds(2)).until(() -> l.receivedText().equals("B-1\r\n"));
            assertThat(link.write("LON\r".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(new String(fromLink.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("LON\r");
        }

        socat.destroy();
        socat.waitFor();
        await().atMost(Duration.ofSeconds(3)).until(() -> !link.isConnected() && !l.disconnects.isEmpty());

        startSocat();
        await().atMost(Duration.ofSeconds(3)).until(() -> link.isConnected() && l.connects.get() == 2);
        try (InputStream fromLink = Files.newInputStream(dir.resolve("ttyB"))) {
            assertThat(link.write("S\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(new String(fromLink.readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("S\r\n");
        }
    }

    @Test
    void unplugReplugRecoveryTimesStayWithinTwoSeconds() throws Exception {
        startSocat();
        RecordingLinkListener l = new RecordingLinkListener();
        link = new SerialLink(dir.resolve("ttyA").toString(), new SerialLink.Settings(9600, 7, "even", 1, "none"),
                scheduler, ReconnectPolicy.forDevices());
        link.start(l);
        await().atMost(Duration.ofSeconds(3)).until(link::isConnected);
        java.util.List<Long> millis = new java.util.ArrayList<>();
        for (int round = 1; round <= 5; round++) {
            socat.destroy();
            socat.waitFor();
            int downs = round;
            await().atMost(Duration.ofSeconds(3)).until(() -> !link.isConnected() && l.disconnects.size() >= downs);
            // unplugged for a while: the back-off has grown to its cap before the port returns
            await().pollDelay(Duration.ofMillis(1500)).until(() -> true);
            long t0 = System.nanoTime();
            startSocat();
            long back = System.nanoTime();
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(2)).until(link::isConnected);
            millis.add((System.nanoTime() - back) / 1_000_000);
            assertThat(t0).isPositive();
        }
        assertThat(l.disconnects).allSatisfy(r -> assertThat(r).contains("ttyA"));
        System.out.println("serial unplug/replug: online again after (ms, from the pty's return) " + millis);
    }

    private void startSocat() throws IOException {
        socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + dir.resolve("ttyA"),
                "pty,raw,echo=0,link=" + dir.resolve("ttyB"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(3))
                .until(() -> Files.exists(dir.resolve("ttyA")) && Files.exists(dir.resolve("ttyB")));
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }
}
