package org.conveyord.sim;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A label a simulated printer printed: its ZPL, text fields in order, Code 128 and QR values, and the
 * QR data as a map (order, bag, lane) when it is a bag label.
 */
public record SimLabel(String printer, String zpl, List<String> texts, List<String> code128, List<String> qr,
                       Map<String, String> qrFields, Instant printedAt) {}
