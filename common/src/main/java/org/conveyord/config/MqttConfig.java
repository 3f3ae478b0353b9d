package org.conveyord.config;

/**
 * The broker link. {@code url} is tcp://host:port or ssl://host:port.
 * Credentials are never in this file: {@code credentialsFile} names a file with the username on its
 * first line and the password on its second (systemd LoadCredential friendly).
 */
public record MqttConfig(String url, String prefix, Integer telemetryIntervalS, String credentialsFile,
                         TlsConfig tls, Integer keepAliveS, OutboxConfig outbox, CommandsConfig commands) {

    /** Without outbox and command settings (their defaults apply). */
    public MqttConfig(String url, String prefix, Integer telemetryIntervalS, String credentialsFile,
                      TlsConfig tls, Integer keepAliveS) {
        this(url, prefix, telemetryIntervalS, credentialsFile, tls, keepAliveS, null, null);
    }

    public OutboxConfig outboxOrDefault() { return outbox == null ? new OutboxConfig(null, null, null) : outbox; }

    public CommandsConfig commandsOrDefault() { return commands == null ? new CommandsConfig(null, null, null, null, null) : commands; }

    public static MqttConfig defaults() {
        return new MqttConfig("tcp://127.0.0.1:1883", "conveyord", 10, null, null, 30);
    }

    public String prefixOrDefault() { return prefix == null ? "conveyord" : prefix; }

    public int telemetryIntervalSOrDefault() { return telemetryIntervalS == null ? 10 : telemetryIntervalS; }

    public int keepAliveSOrDefault() { return keepAliveS == null ? 30 : keepAliveS; }

    public MqttConfig withUrl(String newUrl) {
        return new MqttConfig(newUrl, prefix, telemetryIntervalS, credentialsFile, tls, keepAliveS, outbox, commands);
    }

    /**
     * The durable outbox under stateDir/outbox. The default cap (512 MiB, about 1.8 million events of
     * ~300 bytes: a day at 20 events/s) fits well inside an SD card. {@code fsync}: {@code batched}
     * (every {@code fsyncIntervalMs}; a power cut loses at most that much, a crash nothing) or
     * {@code every-write}.
     */
    public record OutboxConfig(Integer maxMb, String fsync, Integer fsyncIntervalMs) {
        public static final java.util.Set<String> FSYNC_POLICIES = java.util.Set.of("batched", "every-write");

        public int maxMbOrDefault() { return maxMb == null ? 512 : maxMb; }

        public String fsyncOrDefault() { return fsync == null ? "batched" : fsync; }

        public int fsyncIntervalMsOrDefault() { return fsyncIntervalMs == null ? 100 : fsyncIntervalMs; }
    }

    /**
     * Limits on incoming commands. MQTT 3.1.1 does not tell us who published, so the per-sender limit
     * counts by the command's {@code by} field (commands without one share a bucket), and
     * {@code perSecond} caps all senders together; over a limit the reply is {@code BUSY}. Each limit
     * is a token bucket: up to {@code perSenderBurst} / {@code burst} commands at once (the labels of
     * one large order), refilled at the per-second rate. A burst defaults to 50, or to the rate when
     * that is higher.
     */
    public record CommandsConfig(Integer maxPayloadBytes, Integer perSenderPerSecond, Integer perSecond,
                                 Integer perSenderBurst, Integer burst) {
        static final int DEFAULT_BURST = 50;

        public int maxPayloadBytesOrDefault() { return maxPayloadBytes == null ? 65536 : maxPayloadBytes; }

        public int perSenderPerSecondOrDefault() { return perSenderPerSecond == null ? 10 : perSenderPerSecond; }

        public int perSecondOrDefault() { return perSecond == null ? 50 : perSecond; }

        public int perSenderBurstOrDefault() {
            return perSenderBurst == null ? Math.max(DEFAULT_BURST, perSenderPerSecondOrDefault()) : perSenderBurst;
        }

        public int burstOrDefault() { return burst == null ? Math.max(DEFAULT_BURST, perSecondOrDefault()) : burst; }
    }

    /** PEM files; hostname verification is on unless switched off explicitly. */
    public record TlsConfig(String ca, String cert, String key, Boolean verifyHostname) {
        public boolean verifyHostnameOrDefault() { return verifyHostname == null || verifyHostname; }
    }
}
