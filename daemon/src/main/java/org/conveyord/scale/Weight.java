package org.conveyord.scale;

/** A weight in grams, and whether the scale called it stable. */
public record Weight(double grams, boolean stable) {}
