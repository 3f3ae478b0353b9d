package org.conveyord.protocol.mtsics;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One MT-SICS reply line, e.g. {@code S S     100.00 g}: the command it answers, its status, and for
 * weight replies the value, unit and that value in grams (empty when the unit is unknown).
 * {@code text} carries quoted or free text such as the serial number of {@code I4 A "1234567"}.
 * The general errors {@code ES}, {@code ET}, {@code EL} come as command "ES"/"ET"/"EL" with the matching
 * error status; they answer whatever was asked last.
 */
public record MtSicsReply(String command, Status status, OptionalDouble value, Optional<String> unit,
                          OptionalDouble grams, Optional<String> text) {

    public enum Status {
        /** S: stable weight, or command executed with a stable result. */
        STABLE('S'),
        /** D: dynamic (not stable) weight. */
        DYNAMIC('D'),
        /** I: not possible now (busy, no stability in time). */
        NOT_READY('I'),
        /** +: overload or above the allowed range. */
        OVERLOAD('+'),
        /** -: underload or below the allowed range. */
        UNDERLOAD('-'),
        /** A: command understood and done. */
        ACKNOWLEDGED('A'),
        /** L: logical error (parameter not allowed). */
        LOGICAL_ERROR('L'),
        /** ES: command not understood. */
        SYNTAX_ERROR('?'),
        /** ET: transmission error (parity, overrun). */
        TRANSMISSION_ERROR('?');

        private final char letter;

        Status(char letter) { this.letter = letter; }

        /** The status letter on the wire ('?' for the general errors, which have none). */
        public char letter() { return letter; }

        public static Optional<Status> ofLetter(String token) {
            if (token.length() != 1) {
                return Optional.empty();
            }
            return switch (token.charAt(0)) {
                case 'S' -> Optional.of(STABLE);
                case 'D' -> Optional.of(DYNAMIC);
                case 'I' -> Optional.of(NOT_READY);
                case '+' -> Optional.of(OVERLOAD);
                case '-' -> Optional.of(UNDERLOAD);
                case 'A' -> Optional.of(ACKNOWLEDGED);
                case 'L' -> Optional.of(LOGICAL_ERROR);
                default -> Optional.empty();
            };
        }
    }

    /** ES, ET or EL: the scale rejected the last request as a whole. */
    public boolean isGeneralError() {
        return command.equals("ES") || command.equals("ET") || command.equals("EL");
    }

    /** True when this reply can be the answer to {@code request} (its id, or a general error). */
    public boolean answers(MtSicsCodec.Request request) {
        return isGeneralError() || command.equals(request.replyId());
    }

    public boolean isStable() { return status == Status.STABLE; }
}
