package org.conveyord.protocol.nciecr;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One NCI / Weigh-Tronix ECR reply (the text between LF and ETX), e.g. {@code 00.000LB} +
 * {@code S00}. {@code weightField} says what stood in the weight's place; {@code grams} is set only
 * for a readable weight in a known unit. The status bits come from status byte 1 (motion, at zero,
 * RAM, EEPROM) and, when sent, byte 2 (under capacity, over capacity, ROM, calibration).
 */
public record NciReply(WeightField weightField, OptionalDouble value, Optional<String> unit, OptionalDouble grams,
                       boolean motion, boolean atZero, boolean ramError, boolean eepromError,
                       boolean underCapacity, boolean overCapacity, boolean romError, boolean calibrationError) {

    public enum WeightField {
        /** A number and unit. */
        VALUE,
        /** {@code ^^^^^^}: over range. */
        OVER,
        /** {@code ______}: under range. */
        UNDER,
        /** {@code ------}: zero error. */
        ZERO_ERROR,
        /** Status only (moving or out of range, or the answer to {@code S}/{@code Z}). */
        ABSENT,
        /** {@code ?}: the scale did not understand the command. */
        UNKNOWN_COMMAND
    }

    public boolean overload() {
        return weightField == WeightField.OVER || overCapacity;
    }

    public boolean underload() {
        return weightField == WeightField.UNDER || underCapacity;
    }

    /** RAM, EEPROM, ROM or calibration error, or a zero error: the scale cannot weigh. */
    public boolean hardwareError() {
        return ramError || eepromError || romError || calibrationError || weightField == WeightField.ZERO_ERROR;
    }
}
