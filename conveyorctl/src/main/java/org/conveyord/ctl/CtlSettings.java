package org.conveyord.ctl;

import org.conveyord.config.MqttConfig;

/**
 * Where conveyorctl sends its commands, after flags, the daemon's config file and the defaults have
 * been weighed (see {@link SettingsResolver}). The credentials file is only named here: it is read
 * when connecting, so that its contents never sit in a record that might be printed.
 *
 * @param url             tcp://host:port or ssl://host:port
 * @param credentialsFile username on line 1, password on line 2; null for anonymous
 * @param tls             PEM files for ssl:// URLs; null for tcp://
 * @param base            {@code <prefix>/<site>/<node>}, the topic root of the daemon
 * @param defaultLine     the line device the line commands address unless told otherwise
 * @param defaultPrinter  the printer the print commands address unless told otherwise
 * @param source          where the broker settings came from, for messages ("--broker", a config path, "built-in default")
 */
public record CtlSettings(String url, String credentialsFile, MqttConfig.TlsConfig tls, String base,
                          String defaultLine, String defaultPrinter, String source) {

    public boolean isTls() { return url.startsWith("ssl://"); }
}
