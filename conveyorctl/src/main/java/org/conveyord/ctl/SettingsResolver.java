package org.conveyord.ctl;

import org.conveyord.config.ConfigLoader;
import org.conveyord.config.ConfigProblem;
import org.conveyord.config.ConveyordConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.MqttConfig;
import org.conveyord.config.PrinterConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Decides the broker, topic root and default devices. Each setting comes from its flag, else from the
 * daemon's config file (the one named by {@code --config}, else the system one when it exists), else
 * a built-in default that matches the demo ({@code ./demo.sh}): broker {@code tcp://127.0.0.1:1883},
 * site {@code demo}, node {@code edge-1}. {@code --broker} replaces only the URL: TLS files and the
 * credentials file still come from the config, so pointing at another port of the same broker works.
 * {@code --credentials} replaces the config's credentials file: under systemd the daemon's copy
 * ({@code /run/credentials/conveyord.service/mqtt}) is readable by the service alone, and an operator
 * may have a broker account of their own.
 */
public final class SettingsResolver {

    /** The system config the .deb installs; on the box conveyorctl needs no flags at all. */
    public static final Path SYSTEM_CONFIG = Path.of("/etc/conveyord/conveyord.yaml");

    static final String DEFAULT_URL = "tcp://127.0.0.1:1883";
    static final String DEFAULT_SITE = "demo";
    static final String DEFAULT_NODE = "edge-1";
    static final String DEFAULT_LINE = "line-1";
    static final String DEFAULT_PRINTER = "printer-1";

    /** What the command line said; null where it said nothing. */
    public record Flags(String broker, Path config, Path credentials, String site, String node, String prefix) {
        public static Flags none() { return new Flags(null, null, null, null, null, null); }
    }

    private SettingsResolver() {}

    /**
     * @param systemConfig the config read when {@code --config} is not given, if it exists
     * @throws SettingsException naming the file, line and key when the config cannot be used
     */
    public static CtlSettings resolve(Flags flags, Path systemConfig) {
        Path file = flags.config() != null ? flags.config() : Files.isRegularFile(systemConfig) ? systemConfig : null;
        ConveyordConfig cfg = null;
        if (file != null) {
            if (!Files.isRegularFile(file)) throw new SettingsException("--config " + file + " does not exist; expected the daemon's conveyord.yaml");
            cfg = load(file);
        }
        MqttConfig mqtt = cfg == null ? MqttConfig.defaults() : cfg.mqttOrDefault();
        String url;
        String source;
        if (flags.broker() != null) {
            url = flags.broker();
            source = "--broker";
        } else if (cfg != null && mqtt.url() != null) {
            url = mqtt.url();
            source = file.toString();
        } else {
            url = DEFAULT_URL;
            source = "built-in default";
        }
        if (!url.startsWith("tcp://") && !url.startsWith("ssl://")) {
            throw new SettingsException("broker URL " + url + " (from " + source + ") must start with tcp:// or ssl://, e.g. tcp://127.0.0.1:1883");
        }
        String prefix = first(flags.prefix(), cfg == null ? null : mqtt.prefix(), "conveyord");
        String site = first(flags.site(), cfg == null ? null : cfg.site(), DEFAULT_SITE);
        String node = first(flags.node(), cfg == null ? null : cfg.node(), DEFAULT_NODE);
        String line = cfg == null ? DEFAULT_LINE : cfg.devicesOfKind(LineConfig.class).keySet().stream().findFirst().orElse(DEFAULT_LINE);
        String printer = cfg == null ? DEFAULT_PRINTER : cfg.devicesOfKind(PrinterConfig.class).keySet().stream().findFirst().orElse(DEFAULT_PRINTER);
        // paths as the daemon reads them (relative ones from the working directory)
        String credentials = flags.credentials() != null ? flags.credentials().toString() : cfg == null ? null : mqtt.credentialsFile();
        MqttConfig.TlsConfig tls = cfg == null ? null : mqtt.tls();
        return new CtlSettings(url, credentials, tls, prefix + "/" + site + "/" + node, line, printer, source);
    }

    private static ConveyordConfig load(Path file) {
        ConfigLoader.Result r = ConfigLoader.load(file);
        if (r.config() == null) {
            // unbindable: nothing in it can be trusted, not even the broker
            String problems = r.problems().stream().map(ConfigProblem::format).collect(Collectors.joining("\n  "));
            throw new SettingsException("cannot use the config " + file + ":\n  " + problems);
        }
        // other problems are the daemon's business: its broker settings are still the ones it uses
        return r.config();
    }

    private static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        throw new IllegalStateException("no default");
    }
}
