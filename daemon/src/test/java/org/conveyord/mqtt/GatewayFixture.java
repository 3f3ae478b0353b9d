package org.conveyord.mqtt;

import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.node.BuildInfo;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;

/** Builds gateways for tests: site "t", node "edge-1", the given broker and state directory. */
final class GatewayFixture {

    static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final String BASE = "conveyord/t/edge-1";

    private GatewayFixture() {}

    static ConveyordConfig config(String url, Path stateDir) {
        return new ConveyordConfig("t", "edge-1", new MqttConfig(url, "conveyord", 1, null, null, 30),
                stateDir.toString(), null, new LinkedHashMap<>(), null);
    }

    static MqttGateway gateway(String url, Path stateDir, java.util.concurrent.ScheduledExecutorService scheduler) {
        return gateway(url, stateDir, scheduler, false);
    }

    /** @param clockSynced what the NTP check reports (the real one depends on the machine running the tests) */
    static MqttGateway gateway(String url, Path stateDir, java.util.concurrent.ScheduledExecutorService scheduler,
                               boolean clockSynced) {
        return new MqttGateway(config(url, stateDir), SHA, new BuildInfo("9.9.9-test", "abc1234"), scheduler,
                Clock.systemUTC(), PahoMqttTransport::new, () -> clockSynced);
    }
}
