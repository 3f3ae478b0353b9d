package org.conveyord.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The whole config file. Devices keep their file order. {@code sim} is read only by device-sim
 * (physics and misbehaviour settings); the daemon ignores it.
 *
 * @param stateDir where durable state lives (event seq, command cache, outbox)
 * @param logging  log level and format
 * @param health   the box-health thresholds
 * @param http     the page, /metrics and /health server
 */
public record ConveyordConfig(String site, String node, MqttConfig mqtt, String stateDir, GpioConfig gpio,
                              LinkedHashMap<String, DeviceConfig> devices, JsonNode sim, LoggingConfig logging,
                              HealthConfig health, HttpConfig http) {

    /** Without logging, health and http settings (their defaults apply). */
    public ConveyordConfig(String site, String node, MqttConfig mqtt, String stateDir, GpioConfig gpio,
                           LinkedHashMap<String, DeviceConfig> devices, JsonNode sim) {
        this(site, node, mqtt, stateDir, gpio, devices, sim, null, null, null);
    }

    public LoggingConfig loggingOrDefault() { return logging == null ? LoggingConfig.defaults() : logging; }

    public HealthConfig healthOrDefault() { return health == null ? HealthConfig.defaults() : health; }

    public HttpConfig httpOrDefault() { return http == null ? HttpConfig.defaults() : http; }

    public MqttConfig mqttOrDefault() { return mqtt == null ? MqttConfig.defaults() : mqtt; }

    public GpioConfig gpioOrDefault() { return gpio == null ? GpioConfig.defaults() : gpio; }

    public Path stateDirOrDefault() { return Path.of(stateDir == null ? "/var/lib/conveyord" : stateDir); }

    public Map<String, DeviceConfig> devicesOrEmpty() { return devices == null ? Map.of() : devices; }

    public <T extends DeviceConfig> Map<String, T> devicesOfKind(Class<T> type) {
        Map<String, T> out = new LinkedHashMap<>();
        devicesOrEmpty().forEach((id, d) -> {
            if (type.isInstance(d)) out.put(id, type.cast(d));
        });
        return out;
    }

    public Optional<DeviceConfig> device(String id) {
        return Optional.ofNullable(devicesOrEmpty().get(id));
    }

    public ConveyordConfig withMqttUrl(String url) {
        return new ConveyordConfig(site, node, mqttOrDefault().withUrl(url), stateDir, gpio, devices, sim, logging, health, http);
    }

    public ConveyordConfig withStateDir(String dir) {
        return new ConveyordConfig(site, node, mqtt, dir, gpio, devices, sim, logging, health, http);
    }

    public ConveyordConfig withGpio(GpioConfig g) {
        return new ConveyordConfig(site, node, mqtt, stateDir, g, devices, sim, logging, health, http);
    }

    public ConveyordConfig withDevices(LinkedHashMap<String, DeviceConfig> d) {
        return new ConveyordConfig(site, node, mqtt, stateDir, gpio, d, sim, logging, health, http);
    }

    public ConveyordConfig withHttp(HttpConfig h) {
        return new ConveyordConfig(site, node, mqtt, stateDir, gpio, devices, sim, logging, health, h);
    }

    /** {@code <prefix>/<site>/<node>}. */
    public String mqttBase() {
        return mqttOrDefault().prefixOrDefault() + "/" + site + "/" + node;
    }
}
