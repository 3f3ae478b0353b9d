package org.conveyord.sim.endpoints;

import org.conveyord.sim.physics.LineWorld;
import org.conveyord.config.ScaleConfig;
import org.conveyord.protocol.framing.LineFramer;
import org.conveyord.protocol.mtcontinuous.ContinuousFrame;
import org.conveyord.protocol.mtcontinuous.MtContinuousCodec;
import org.conveyord.protocol.mtsics.MtSicsCodec;
import org.conveyord.protocol.mtsics.MtSicsReply;
import org.conveyord.protocol.nciecr.NciEcrCodec;
import org.conveyord.protocol.nciecr.NciReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** The simulated scale speaks each configured protocol on a real socket, checked with the daemon's codecs. */
class ScaleEndpointProtocolTest {

    private volatile LineWorld.ScaleLoad load = new LineWorld.ScaleLoad(1250, false);
    private ScaleEndpoint endpoint;
    private Socket socket;

    @AfterEach
    void tearDown() throws IOException {
        if (socket != null) socket.close();
        if (endpoint != null) endpoint.close();
    }

    private InputStream connect(String protocol, Boolean tare, Boolean checksum) throws IOException {
        endpoint = new ScaleEndpoint("scale-1", new ScaleConfig(protocol, null, null, null, null, null, tare, checksum),
                "127.0.0.1", 0, () -> load, 1, 200);
        endpoint.start();
        socket = new Socket(InetAddress.getLoopbackAddress(), endpoint.port());
        return socket.getInputStream();
    }

    private void send(String s) throws IOException {
        socket.getOutputStream().write(s.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static void readInto(InputStream in, java.util.function.Consumer<byte[]> sink) {
        Thread.ofVirtual().start(() -> {
            byte[] b = new byte[256];
            try {
                int n;
                while ((n = in.read(b)) > 0) sink.accept(java.util.Arrays.copyOf(b, n));
            } catch (IOException e) {
                // socket closed by the test
            }
        });
    }

    @Test
    void continuousOutputStreamsFramesWithTheConfiguredLayoutAndMotionWhileUnstable() throws IOException {
        MtContinuousCodec.Format noChecksum = new MtContinuousCodec.Format(true, false);
        List<ContinuousFrame> frames = new CopyOnWriteArrayList<>();
        MtContinuousCodec.Decoder d = new MtContinuousCodec.Decoder(noChecksum, frames::add);
        readInto(connect("mt-continuous", true, false), b -> d.feed(b));
        await().atMost(Duration.ofSeconds(2)).until(() -> frames.size() >= 2);
        assertThat(frames.get(0).grams()).isEqualTo(1250, within(0.5));
        assertThat(frames.get(0).motion()).isFalse();
        load = new LineWorld.ScaleLoad(1250, true);
        await().atMost(Duration.ofSeconds(2)).until(() -> frames.get(frames.size() - 1).motion());
    }

    @Test
    void nciEcrAnswersWeightStatusAndZero() throws IOException {
        List<NciReply> replies = new CopyOnWriteArrayList<>();
        LineFramer f = new LineFramer(NciEcrCodec.TERMINATOR, NciEcrCodec.MAX_REPLY_BYTES,
                s -> replies.add(NciEcrCodec.parseReply(s).orElseThrow()), null);
        readInto(connect("nci-ecr", null, null), b -> f.feed(b));
        send("W\r");
        await().atMost(Duration.ofSeconds(2)).until(() -> replies.size() == 1);
        assertThat(replies.get(0).grams().getAsDouble()).isEqualTo(1250, within(0.5));
        send("Z\r");
        send("W\r");
        send("X\r");
        await().atMost(Duration.ofSeconds(2)).until(() -> replies.size() == 4);
        assertThat(replies.get(1).weightField()).isEqualTo(NciReply.WeightField.ABSENT);
        assertThat(replies.get(2).grams().getAsDouble()).isEqualTo(0, within(0.5));
        assertThat(replies.get(3).weightField()).isEqualTo(NciReply.WeightField.UNKNOWN_COMMAND);
        load = new LineWorld.ScaleLoad(900, true);
        send("W\r");
        await().atMost(Duration.ofSeconds(2)).until(() -> replies.size() == 5);
        assertThat(replies.get(4).motion()).isTrue();
        assertThat(replies.get(4).grams()).isEmpty();
    }

    @Test
    void mtSicsSirRepeatsUntilTheNextCommand() throws IOException {
        List<MtSicsReply> replies = new CopyOnWriteArrayList<>();
        LineFramer f = new LineFramer(MtSicsCodec.TERMINATOR, 128, s -> replies.add(MtSicsCodec.parseReply(s).orElseThrow()), null);
        readInto(connect("mt-sics", null, null), b -> f.feed(b));
        send("SIR\r\n");
        await().atMost(Duration.ofSeconds(2)).until(() -> replies.size() >= 3);
        assertThat(replies).allSatisfy(r -> assertThat(r.command()).isEqualTo("S"));
        send("I4\r\n");
        await().atMost(Duration.ofSeconds(2)).until(() -> replies.stream().anyMatch(r -> r.command().equals("I4")));
        int after = replies.size();
        // no more S lines once another command stopped the repetition (at most one already on its way)
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> replies.size() <= after + 1);
    }
}
