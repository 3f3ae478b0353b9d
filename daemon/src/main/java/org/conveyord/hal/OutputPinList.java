package org.conveyord.hal;

import org.conveyord.config.GpioConfig;
import org.conveyord.config.PinConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outputs the daemon claimed at its last start, with the GPIO they live on, kept in
 * {@code stateDir/outputs.pins}: {@code --safe-outputs} drives them inactive when the config file
 * itself can no longer be read (edited into broken YAML while the daemon ran, then it crashed).
 * <pre>
 *   gpio &lt;provider&gt; &lt;chip&gt; &lt;simHost&gt; &lt;simPort&gt;
 *   out &lt;name&gt; &lt;pin&gt; &lt;activeLow&gt;
 * </pre>
 */
public record OutputPinList(GpioConfig gpio, Map<String, PinConfig> outputs) {

    public static final String FILE = "outputs.pins";

    public static Path file(Path stateDir) { return stateDir.resolve(FILE); }

    /** Writes the list atomically (temp file, then rename), so a crash mid-write leaves the old one. */
    public void write(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        StringBuilder s = new StringBuilder("# written by conveyord at start-up; read by conveyord --safe-outputs\n");
        GpioConfig.SimBridge sim = gpio.sim() == null ? new GpioConfig.SimBridge(null, null) : gpio.sim();
        s.append("gpio ").append(gpio.providerOrDefault()).append(' ').append(gpio.chipOrDefault()).append(' ')
                .append(sim.hostOrDefault()).append(' ').append(sim.portOrDefault()).append('\n');
        outputs.forEach((name, pin) -> s.append("out ").append(name).append(' ').append(pin.pin()).append(' ')
                .append(pin.activeLow()).append('\n'));
        Path target = file(stateDir);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, s, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @throws IOException the file is missing, unreadable or not in the format {@link #write} writes */
    public static OutputPinList read(Path stateDir) throws IOException {
        Path f = file(stateDir);
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        GpioConfig gpio = null;
        Map<String, PinConfig> outputs = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] t = line.split("\\s+");
            try {
                if (t[0].equals("gpio") && t.length == 5) {
                    gpio = new GpioConfig(t[1], t[2], new GpioConfig.SimBridge(t[3], Integer.parseInt(t[4])));
                } else if (t[0].equals("out") && t.length == 4) {
                    outputs.put(t[1], new PinConfig(Integer.parseInt(t[2]), Boolean.parseBoolean(t[3]), 0));
                } else {
                    throw new NumberFormatException("unknown line");
                }
            } catch (NumberFormatException e) {
                throw new IOException(f + ":" + (i + 1) + ": expected 'gpio PROVIDER CHIP HOST PORT' or 'out NAME PIN ACTIVELOW', got '"
                        + line + "'");
            }
        }
        if (gpio == null) throw new IOException(f + ": no 'gpio' line");
        return new OutputPinList(gpio, outputs);
    }
}
