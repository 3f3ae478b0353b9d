package org.conveyord.link;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

/** TcpLink against a real loopback server socket. */
class TcpLinkTest {

    private final LinkGroup group = new LinkGroup(1);
    private final ServerSocket server;
    private TcpLink link;

    TcpLinkTest() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        server.setSoTimeout(5000);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (link != null) link.stop();
        server.close();
        group.close();
    }

    @Test
    void bytesFlowBothWaysAndTheLinkComesBackAfterTheServerDropsIt() throws IOException {
        RecordingLinkListener l = new RecordingLinkListener();
        link = new TcpLink("127.0.0.1", server.getLocalPort(), 1000, group, ReconnectPolicy.forDevices());
        link.start(l);
        try (Socket s = server.accept()) {
            await().atMost(Duration.ofSeconds(2)).until(link::isConnected);
            assertThat(l.connects).hasValue(1);
            assertThat(link.write("SI\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
            byte[] got = s.getInputStream().readNBytes(4);
            assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("SI\r\n");
            s.getOutputStream().write("S S 1 g\r\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(2)).until(() -> l.receivedText().equals("S S 1 g\r\n"));
        }
        // the server closed its side
        await().atMost(Duration.ofSeconds(2)).until(() -> !l.disconnects.isEmpty());
        assertThat(l.disconnects.get(0)).contains("closed");
        try (Socket again = server.accept()) {
            await().atMost(Duration.ofSeconds(2)).until(() -> l.connects.get() == 2);
            assertThat(link.write("S\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(again.getInputStream().readNBytes(3)).asString().isEqualTo("S\r\n");
        }
    }

    @Test
    void refusedConnectIsReportedAndRetriedUntilTheServerIsThere() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        ByteLink.Listener l = mock(ByteLink.Listener.class);
        link = new TcpLink("127.0.0.1", port, 500, group, ReconnectPolicy.forDevices());
        link.start(l);
        verify(l, timeout(3000).atLeast(2)).disconnected(anyString());
        assertThat(link.isConnected()).isFalse();
        assertThat(link.write(new byte[]{1})).isFalse();
        assertThat(link.lastDisconnectCause()).contains("127.0.0.1:" + port);
        try (ServerSocket late = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
             Socket s = acceptWithin(late)) {
            // within the 1 s cap (+25 %) of the port coming back
            await().atMost(Duration.ofSeconds(2)).until(link::isConnected);
        }
    }

    @Test
    void aTcpResetIsReportedWithItsCauseAndTheLinkIsBackWithinTwoSecondsOfThePortReturning() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RecordingLinkListener l = new RecordingLinkListener();
        link = new TcpLink("127.0.0.1", port, 500, group, ReconnectPolicy.forDevices());
        java.util.List<Long> millis = new java.util.ArrayList<>();
        ServerSocket first = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        link.start(l);
        Socket s = acceptWithin(first);
        first.close();
        await().atMost(Duration.ofSeconds(2)).until(link::isConnected);
        for (int round = 1; round <= 3; round++) {
            s.setSoLinger(true, 0);   // close with RST: a serial server rebooting, a cable cut at the switch
            s.close();
            int downs = round;
            await().atMost(Duration.ofSeconds(2)).until(() -> l.disconnects.size() >= downs && !link.isConnected());
            // the port stays away long enough for the back-off to reach its cap
            await().pollDelay(Duration.ofMillis(1500)).until(() -> true);
            long t0 = System.nanoTime();
            try (ServerSocket back = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s = acceptWithin(back);
                await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(2)).until(link::isConnected);
                millis.add((System.nanoTime() - t0) / 1_000_000);
            }
        }
        s.close();
        assertThat(l.disconnects.get(0)).isNotBlank();
        System.out.println("tcp reset: online again after (ms, from the port's return) " + millis);
    }

    @Test
    void stopEndsReconnectingAndIsIdempotent() throws IOException {
        ByteLink.Listener l = mock(ByteLink.Listener.class);
        link = new TcpLink("127.0.0.1", server.getLocalPort(), 1000, group, ReconnectPolicy.forDevices());
        link.start(l);
        try (Socket s = server.accept()) {
            await().atMost(Duration.ofSeconds(2)).until(link::isConnected);
            link.stop();
            link.stop();
            // the server sees the close
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(link.isConnected()).isFalse();
        verify(l, never()).disconnected(anyString());
    }

    private static Socket acceptWithin(ServerSocket ss) throws IOException {
        ss.setSoTimeout(3000);
        return ss.accept();
    }
}
