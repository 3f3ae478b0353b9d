package org.conveyord.protocol.gpiobridge;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The GPIO bridge between the daemon's sim Pi4J provider and device-sim: one ASCII line per message,
 * LF terminated, physical levels (1 = high), so activeLow and normally-closed are the daemon's
 * business exactly as on hardware.
 * <pre>
 *   daemon -> sim   OUT &lt;pin&gt; &lt;0|1&gt;            drive an output
 *   sim -> daemon   IN &lt;pin&gt; &lt;0|1&gt; &lt;nanos&gt;     an input's level changed (sim's monotonic time of the edge)
 *   both            HELLO &lt;who&gt; 1               first line after connect; the sim then sends IN for every input
 *   sim -> daemon   SNAPSHOT-END &lt;n&gt;             the n IN lines since HELLO were the whole input snapshot
 * </pre>
 * SNAPSHOT-END was added later: a daemon must not treat its inputs as real before it, because the
 * snapshot's IN lines arrive one by one and a pin not yet sent reads low (a normally-closed e-stop:
 * "pressed"). Older peers ignore the line as not a bridge message.
 */
public sealed interface GpioBridgeMessage {

    int MAX_LINE = 128;

    record Hello(String who) implements GpioBridgeMessage {}

    record Out(int pin, boolean high) implements GpioBridgeMessage {}

    record In(int pin, boolean high, long nanos) implements GpioBridgeMessage {}

    /** Ends the input snapshot that follows HELLO; {@code inputs} is how many IN lines it had. */
    record SnapshotEnd(int inputs) implements GpioBridgeMessage {}

    default byte[] encode() {
        String s = switch (this) {
            case Hello h -> "HELLO " + h.who() + " 1\n";
            case Out o -> "OUT " + o.pin() + " " + (o.high() ? 1 : 0) + "\n";
            case In i -> "IN " + i.pin() + " " + (i.high() ? 1 : 0) + " " + i.nanos() + "\n";
            case SnapshotEnd e -> "SNAPSHOT-END " + e.inputs() + "\n";
        };
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Parses one line (without its LF); empty for anything that is not a valid message. */
    static Optional<GpioBridgeMessage> parse(String line) {
        String[] t = line.trim().split("\\s+");
        try {
            return switch (t[0]) {
                case "HELLO" -> t.length >= 2 ? Optional.of(new Hello(t[1])) : Optional.empty();
                case "OUT" -> t.length == 3 ? Optional.of(new Out(Integer.parseInt(t[1]), level(t[2]))) : Optional.empty();
                case "IN" -> t.length == 4
                        ? Optional.of(new In(Integer.parseInt(t[1]), level(t[2]), Long.parseLong(t[3])))
                        : Optional.empty();
                case "SNAPSHOT-END" -> t.length == 2 && Integer.parseInt(t[1]) >= 0
                        ? Optional.of(new SnapshotEnd(Integer.parseInt(t[1]))) : Optional.empty();
                default -> Optional.empty();
            };
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean level(String s) {
        return switch (s) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new IllegalArgumentException("level " + s);
        };
    }
}
