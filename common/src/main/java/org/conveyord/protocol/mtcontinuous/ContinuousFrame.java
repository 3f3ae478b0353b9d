package org.conveyord.protocol.mtcontinuous;

import java.util.OptionalDouble;

/**
 * One Mettler Toledo continuous-output frame, decoded: the displayed weight and tare (in the
 * indicator's unit, decimal point applied), and the status bits of SWA/SWB/SWC that the daemon acts on.
 *
 * @param weight        the displayed weight, signed (SWB bit1 negative applied)
 * @param tare          the tare, or empty when the indicator omits it
 * @param decimals      digits after the point (from SWA bits 0-2; negative: trailing zeros, x10 or x100)
 * @param kg            SWB bit4: kg, else lb
 * @param net           SWB bit0: the weight is net of a tare
 * @param overCapacity  SWB bit2: over capacity (the digits are not a weight)
 * @param motion        SWB bit3: the platter is moving
 * @param powerUp       SWB bit6: power-up not yet zeroed (not ready)
 * @param printPressed  SWC bit3: the print key was pressed
 */
public record ContinuousFrame(double weight, OptionalDouble tare, int decimals, boolean kg, boolean net,
                              boolean overCapacity, boolean motion, boolean powerUp, boolean printPressed) {

    private static final double GRAMS_PER_LB = 453.59237;

    public double grams() {
        return weight * (kg ? 1000.0 : GRAMS_PER_LB);
    }

    /** No motion, not over capacity, not in power-up: a weight the daemon may trust as settled. */
    public boolean steady() {
        return !motion && !overCapacity && !powerUp;
    }
}
