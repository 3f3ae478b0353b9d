package org.conveyord.protocol.zpl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The printer's side of a ZPL stream, for the simulator: cuts it into labels ({@code ^XA ... ^XZ})
 * and host queries ({@code ~HS}, {@code ~HQES}, {@code ~HQOD}), and hands them to the consumer in the
 * order they arrived. Bytes outside a label that are not a known query are skipped (a printer
 * ignores them too). Bounded: a label longer than {@code maxLabelBytes} is dropped and counted.
 * Not thread-safe: one feeding thread; the consumer runs on it.
 */
public final class ZplLabelReader {

    /** What arrived: a label or a query. */
    public sealed interface Item permits Label, HostQuery {}

    /** A host query; the printer answers it at once, even between the formats of a batch. */
    public record HostQuery(Query query) implements Item {}

    public enum Query {
        HS("~HS"), HQES("~HQES"), HQOD("~HQOD");

        private final String wire;

        Query(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        public byte[] encode() { return wire.getBytes(StandardCharsets.US_ASCII); }
    }

    /**
     * One label: its ZPL, the text fields in order, Code 128 values, and QR values without the
     * {@code QA,} mode prefix.
     */
    public record Label(String zpl, List<String> texts, List<String> code128, List<String> qr) implements Item {

        /** The bag label's QR data as a map (order, bag, lane); empty when there is none. */
        public Map<String, String> qrFields() {
            return qr.isEmpty() ? Map.of() : ZplLabel.parseQrData(qr.get(0));
        }
    }

    private static final byte[] START = "^XA".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "^XZ".getBytes(StandardCharsets.US_ASCII);

    private final int maxLabelBytes;
    private final Consumer<Item> items;
    private final ByteArrayOutputStream label = new ByteArrayOutputStream();
    /** Bytes seen outside a label that may be the start of ^XA or of a query. */
    private final StringBuilder pending = new StringBuilder(8);
    private boolean inLabel;
    private boolean discarding;
    private long dropped;

    public ZplLabelReader(int maxLabelBytes, Consumer<Item> items) {
        this.maxLabelBytes = maxLabelBytes;
        this.items = Objects.requireNonNull(items);
    }

    public void feed(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        for (int i = off; i < off + len; i++) {
            if (inLabel) {
                inLabelByte(b[i]);
            } else {
                outsideByte((char) (b[i] & 0xff));
            }
        }
    }

    public void feed(byte[] b) {
        feed(b, 0, b.length);
    }

    private void inLabelByte(byte x) {
        if (!discarding) {
            label.write(x);
            if (label.size() > maxLabelBytes) {
                discarding = true;
                dropped++;
                label.reset();
            }
        }
        // while discarding only the last three bytes matter, to find ^XZ
        if (discarding) {
            label.write(x);
            if (label.size() > 3) {
                byte[] t = label.toByteArray();
                label.reset();
                label.write(t, t.length - 3, 3);
            }
        }
        if (endsWith(label, END)) {
            if (!discarding) {
                items.accept(parseLabel(label.toString(StandardCharsets.UTF_8)));
            }
            label.reset();
            inLabel = false;
            discarding = false;
        }
    }

    private void outsideByte(char c) {
        pending.append(Character.toUpperCase(c));
        while (pending.length() > 0) {
            String p = pending.toString();
            if (p.equals("^XA")) {
                pending.setLength(0);
                inLabel = true;
                label.reset();
                label.write(START, 0, START.length);
                return;
            }
            for (Query q : Query.values()) {
                if (p.equals(q.wire())) {
                    // ~HQES and ~HQOD share "~HQ"; both are complete at their full length only
                    pending.setLength(0);
                    items.accept(new HostQuery(q));
                    return;
                }
            }
            if (isPrefixOfToken(p)) {
                return;
            }
            pending.deleteCharAt(0);
        }
    }

    private static boolean isPrefixOfToken(String p) {
        if ("^XA".startsWith(p)) return true;
        for (Query q : Query.values()) {
            if (q.wire().startsWith(p)) return true;
        }
        return false;
    }

    private static boolean endsWith(ByteArrayOutputStream out, byte[] suffix) {
        if (out.size() < suffix.length) return false;
        byte[] a = out.toByteArray();
        for (int i = 0; i < suffix.length; i++) {
            if (Character.toUpperCase(a[a.length - suffix.length + i]) != suffix[i]) return false;
        }
        return true;
    }

    /**
     * Splits a label into its commands and collects field data: {@code ^FD} after {@code ^BC} is a
     * Code 128, after {@code ^BQ} a QR, otherwise text. Works on a complete {@code ^XA...^XZ}.
     */
    public static Label parseLabel(String zpl) {
        List<String> texts = new ArrayList<>();
        List<String> code128 = new ArrayList<>();
        List<String> qr = new ArrayList<>();
        String barcode = null;
        for (String cmd : zpl.split("\\^")) {
            if (cmd.length() < 2) continue;
            String name = cmd.substring(0, 2).toUpperCase();
            switch (name) {
                case "BC" -> barcode = "BC";
                case "BQ" -> barcode = "BQ";
                case "FD" -> {
                    String data = cmd.substring(2);
                    if ("BC".equals(barcode)) {
                        code128.add(data);
                    } else if ("BQ".equals(barcode)) {
                        int comma = data.indexOf(',');
                        qr.add(comma >= 0 ? data.substring(comma + 1) : data);
                    } else {
                        texts.add(data);
                    }
                }
                case "FS" -> barcode = null;
                default -> { }
            }
        }
        return new Label(zpl, List.copyOf(texts), List.copyOf(code128), List.copyOf(qr));
    }

    /** Labels dropped as longer than the bound so far. */
    public long dropped() {
        return dropped;
    }

    /** Bytes held for an incomplete label; never more than maxLabelBytes + 1. */
    public int buffered() {
        return label.size() + pending.length();
    }
}
