package org.conveyord.ctl;

import org.conveyord.config.MqttConfig;
import org.conveyord.net.TlsSocketFactories;

import javax.net.ssl.SSLSocketFactory;

/**
 * The TLS socket factory for {@code ssl://} brokers from the same {@code mqtt.tls} PEM files the
 * daemon uses (one builder in common for both); a bad file is a settings problem (exit 2).
 * Hostname verification is Paho's connect option, set by {@link BrokerConnection}.
 */
final class TlsSetup {

    private TlsSetup() {}

    /** @throws SettingsException naming the file and what is wrong with it */
    static SSLSocketFactory socketFactory(MqttConfig.TlsConfig tls) {
        try {
            return TlsSocketFactories.fromPem(tls);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(e.getMessage());
        }
    }
}
