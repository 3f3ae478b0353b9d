package org.conveyord.sim.broker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lines the demo prints work as printed: the real mosquitto clients send an empty client id,
 * which Moquette refuses unless told otherwise ("Connection Refused: identifier rejected").
 */
class EmbeddedBrokerIT {
    private static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
    private static final Path PUB = Path.of("/usr/bin/mosquitto_pub");

    private record Run(int code, String out) {}

    @Test
    void mosquittoClientsConnectWithTheirEmptyClientId() throws Exception {
        assumeTrue(Files.isExecutable(SUB) && Files.isExecutable(PUB), "needs the mosquitto clients (apt-get install mosquitto-clients)");
        try (EmbeddedBroker broker = EmbeddedBroker.start("127.0.0.1", 0)) {
            String port = Integer.toString(broker.port());
            // retained (QoS 1: Moquette keeps no QoS 0 retained message), so the subscriber that
            // connects after it still gets it: no race, no sleep
            Run pub = run(PUB.toString(), "-h", "127.0.0.1", "-p", port, "-t", "conveyord/demo/edge-1/cmd/node/ping",
                    "-r", "-q", "1", "-m", "{\"id\":\"p-1\"}");
            assertThat(pub.code()).as(pub.out()).isZero();
            Run sub = run(SUB.toString(), "-h", "127.0.0.1", "-p", port, "-v", "-t", "conveyord/demo/edge-1/#",
                    "-C", "1", "-W", "10");
            assertThat(sub.code()).as(sub.out()).isZero();
            assertThat(sub.out()).isEqualTo("conveyord/demo/edge-1/cmd/node/ping {\"id\":\"p-1\"}\n");
        }
    }

    private static Run run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("%s finished", cmd[0]).isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
