package org.conveyord.sim.endpoints;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.oned.Code128Writer;
import com.google.zxing.qrcode.QRCodeWriter;
import org.conveyord.protocol.zpl.ZplLabel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a thermal printer would put on paper, so tests can check the label and not just the bytes:
 * draws a ZPL label (the subset the daemon writes: {@code ^FO}, {@code ^A0}, {@code ^BY}, {@code ^BC}
 * Code 128, {@code ^BQ} QR with {@code QA,} data, {@code ^FD}/{@code ^FS}) on a 203 dpi white image
 * with Java2D, then reads every barcode back off the pixels with ZXing. Text is drawn when fonts are
 * available (a headless box without fonts still gets its barcodes, which is what is checked).
 * Pure apart from logging; safe from any thread.
 */
final class LabelRenderer {

    private static final Logger log = LoggerFactory.getLogger(LabelRenderer.class);
    static final int WIDTH = 832;    // 4.1 in at 203 dpi
    static final int HEIGHT = 1218;  // 6 in
    private static volatile boolean fontsMissingLogged;
    private static final AtomicBoolean warmedUp = new AtomicBoolean();

    /** The picture and what ZXing read off it. */
    record Rendered(byte[] png, List<String> code128, List<String> qr) {}

    private record Box(BarcodeFormat format, int x, int y, int w, int h) {}

    private LabelRenderer() { }

    /**
     * The first render in a JVM loads Java2D, fonts, ImageIO and ZXing: up to a second on a busy box,
     * during which a fast simulated printer would print a whole rush before reporting its first
     * label. Done once when a printer is set up, the reports keep pace with the printing.
     */
    static void warmUp() {
        if (warmedUp.compareAndSet(false, true)) render(ZplLabel.bagLabel("O-0", "B-0", "lane-0", Map.of()));
    }

    static Rendered render(String zpl) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        List<Box> boxes = new ArrayList<>();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            int x = 0, y = 0, fontH = 30, module = 2, barH = 100, qrMag = 3;
            String barcode = null;
            for (String cmd : zpl.split("\\^")) {
                if (cmd.length() < 2) continue;
                String name = cmd.substring(0, 2).toUpperCase();
                String[] args = cmd.substring(2).split(",", -1);
                switch (name) {
                    case "FO" -> {
                        x = intArg(args, 0, 0);
                        y = intArg(args, 1, 0);
                    }
                    case "A0" -> fontH = intArg(new String[]{args.length > 1 ? args[1] : ""}, 0, 30);
                    case "BY" -> module = Math.max(1, intArg(args, 0, 2));
                    case "BC" -> {
                        barcode = "BC";
                        barH = intArg(args, 1, 100);
                    }
                    case "BQ" -> {
                        barcode = "BQ";
                        qrMag = Math.max(1, intArg(args, 2, 3));
                    }
                    case "FD" -> {
                        String data = cmd.substring(2);
                        if ("BC".equals(barcode)) {
                            boxes.add(drawCode128(g, data, x, y, module, barH));
                        } else if ("BQ".equals(barcode)) {
                            int comma = data.indexOf(',');
                            boxes.add(drawQr(g, comma >= 0 ? data.substring(comma + 1) : data, x, y, qrMag));
                        } else {
                            drawText(g, data, x, y, fontH);
                        }
                    }
                    case "FS" -> barcode = null;
                    default -> { }
                }
            }
        } finally {
            g.dispose();
        }
        List<String> c128 = new ArrayList<>();
        List<String> qr = new ArrayList<>();
        for (Box b : boxes) {
            String text = decode(img, b);
            if (text == null) continue;
            if (b.format() == BarcodeFormat.CODE_128) c128.add(text);
            else qr.add(text);
        }
        return new Rendered(png(img), List.copyOf(c128), List.copyOf(qr));
    }

    private static Box drawCode128(Graphics2D g, String data, int x, int y, int module, int h) {
        boolean[] bars = new Code128Writer().encode(data);
        for (int i = 0; i < bars.length; i++) {
            if (bars[i]) g.fillRect(x + i * module, y, module, h);
        }
        return new Box(BarcodeFormat.CODE_128, x, y, bars.length * module, h);
    }

    private static Box drawQr(Graphics2D g, String data, int x, int y, int mag) {
        try {
            BitMatrix m = new QRCodeWriter().encode(data, BarcodeFormat.QR_CODE, 0, 0, Map.of(EncodeHintType.MARGIN, 0));
            for (int r = 0; r < m.getHeight(); r++) {
                for (int c = 0; c < m.getWidth(); c++) {
                    if (m.get(c, r)) g.fillRect(x + c * mag, y + r * mag, mag, mag);
                }
            }
            return new Box(BarcodeFormat.QR_CODE, x, y, m.getWidth() * mag, m.getHeight() * mag);
        } catch (WriterException e) {
            throw new IllegalArgumentException("QR data cannot be encoded: " + e.getMessage(), e);
        }
    }

    private static void drawText(Graphics2D g, String text, int x, int y, int h) {
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(6, h)));
            g.drawString(text, x, y + h);
        } catch (RuntimeException | Error e) {
            // headless JREs without fontconfig fonts: the barcodes are what tests read
            if (!fontsMissingLogged) {
                fontsMissingLogged = true;
                log.info("label text not drawn (no fonts on this machine: {}); barcodes are drawn and decoded", e.toString());
            }
        }
    }

    /** Reads the barcode in its box (plus a quiet zone) from the pixels; null when it cannot be read. */
    private static String decode(BufferedImage img, Box b) {
        int margin = 20;
        int x0 = Math.max(0, b.x() - margin);
        int y0 = Math.max(0, b.y() - margin);
        int x1 = Math.min(img.getWidth(), b.x() + b.w() + margin);
        int y1 = Math.min(img.getHeight(), b.y() + b.h() + margin);
        if (x1 <= x0 || y1 <= y0) return null;
        BufferedImage crop = img.getSubimage(x0, y0, x1 - x0, y1 - y0);
        try {
            Result r = new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(crop))),
                    Map.of(DecodeHintType.POSSIBLE_FORMATS, List.of(b.format()), DecodeHintType.TRY_HARDER, Boolean.TRUE));
            return r.getText();
        } catch (NotFoundException e) {
            log.warn("a {} drawn at {},{} could not be read back", b.format(), b.x(), b.y());
            return null;
        }
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int intArg(String[] args, int i, int dflt) {
        if (i >= args.length) return dflt;
        String s = args[i].strip();
        try {
            return s.isEmpty() ? dflt : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
