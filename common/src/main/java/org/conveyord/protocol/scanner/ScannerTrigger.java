package org.conveyord.protocol.scanner;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The software trigger of a scanner make, as devices.md lists them: Keyence {@code LON\r}/{@code LOFF\r},
 * Cognex {@code ||>TRIGGER ON\r\n}/{@code ||>TRIGGER OFF\r\n}, Honeywell and Datalogic serial trigger
 * {@code SYN T CR}/{@code SYN U CR}. A config value that names no make is taken as the raw "on" bytes
 * (YAML has already turned its escapes into characters), with no "off". Pure.
 */
public record ScannerTrigger(String make, byte[] on, Optional<byte[]> off) {

    public static Optional<ScannerTrigger> fromConfig(String value) {
        if (value == null || value.isEmpty()) return Optional.empty();
        return Optional.of(switch (value.toLowerCase(Locale.ROOT)) {
            case "keyence" -> of("keyence", "LON\r", "LOFF\r");
            case "cognex" -> of("cognex", "||>TRIGGER ON\r\n", "||>TRIGGER OFF\r\n");
            case "honeywell" -> of("honeywell", "\u0016T\r", "\u0016U\r");
            case "datalogic" -> of("datalogic", "\u0016T\r", "\u0016U\r");
            default -> new ScannerTrigger("raw", value.getBytes(StandardCharsets.ISO_8859_1), Optional.empty());
        });
    }

    /** For the simulator: is this line (without its terminator) a trigger-on of any known make? */
    public static boolean isTriggerOn(String line) {
        String t = line.strip();
        return t.equals("LON") || t.equals("||>TRIGGER ON") || t.equals("\u0016T");
    }

    private static ScannerTrigger of(String make, String on, String off) {
        return new ScannerTrigger(make, on.getBytes(StandardCharsets.ISO_8859_1),
                Optional.of(off.getBytes(StandardCharsets.ISO_8859_1)));
    }
}
