package org.conveyord.http;

import org.conveyord.config.LineConfig;
import org.conveyord.device.Device;
import org.conveyord.metrics.LineMetrics;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What the HTTP server serves, handed over by the wiring.
 *
 * @param commands the MQTT gateway's command path ({@code MqttGateway#submitCommand}), so a command
 *                 over HTTP gets the same checks, idempotency, rate limit and audit line
 * @param lines    each line's config, for the page's picture ({@code /api/layout})
 */
public record HttpBackend(Supplier<Map<String, Device>> devices, Commands commands, Supplier<Health> health,
                          LineMetrics metrics, HttpCredentials credentials, Supplier<Map<String, LineConfig>> lines) {

    /** Runs one command; the future carries the reply JSON, exactly as on {@code reply/<device>/<action>}. */
    public interface Commands {
        CompletableFuture<byte[]> submit(String device, String action, byte[] payload);
    }
}
