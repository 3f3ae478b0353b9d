package org.conveyord.config;

/**
 * The broker link. {@code url} is tcp://host:port or ssl://host:port.
 * Credentials are never in this file: {@code credentialsFile} names a file with the username on its
 * first line and the password on its second (systemd LoadCredential friendly).
 */
public record MqttConfig(String url, String prefix, Integer telemetryIntervalS, String credentialsFile,
                         TlsConfig tls, Integer keepAliveS) {

    public static MqttConfig defaults() {
        return new MqttConfig("tcp://127.0.0.1:1883", "conveyord", 10, null, null, 30);
    }

    public String prefixOrDefault() { return prefix == null ? "conveyord" : prefix; }

    public int telemetryIntervalSOrDefault() { return telemetryIntervalS == null ? 10 : telemetryIntervalS; }

    public int keepAliveSOrDefault() { return keepAliveS == null ? 30 : keepAliveS; }

    public MqttConfig withUrl(String newUrl) {
        return new MqttConfig(newUrl, prefix, telemetryIntervalS, credentialsFile, tls, keepAliveS);
    }

    /** PEM files; hostname verification is on unless switched off explicitly. */
    public record TlsConfig(String ca, String cert, String key, Boolean verifyHostname) {
        public boolean verifyHostnameOrDefault() { return verifyHostname == null || verifyHostname; }
    }
}
