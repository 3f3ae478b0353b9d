package org.conveyord.sim.endpoints;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A label a simulated printer printed: its ZPL, text fields in order, Code 128 and QR values (as
 * written in the ZPL), the QR data as a map (order, bag, lane) when it is a bag label, and what was
 * actually on paper: the label rendered to a PNG and the barcodes ZXing read back off that picture.
 */
public record SimLabel(String printer, String zpl, List<String> texts, List<String> code128, List<String> qr,
                       Map<String, String> qrFields, Instant printedAt, List<String> decodedCode128,
                       List<String> decodedQr, byte[] png) {

    public SimLabel(String printer, String zpl, List<String> texts, List<String> code128, List<String> qr,
                    Map<String, String> qrFields, Instant printedAt) {
        this(printer, zpl, texts, code128, qr, qrFields, printedAt, List.of(), List.of(), new byte[0]);
    }
}
