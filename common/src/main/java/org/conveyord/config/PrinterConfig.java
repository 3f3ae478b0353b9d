package org.conveyord.config;

/**
 * A ZPL label printer (raw TCP 9100, or serial).
 *
 * @param pollMs       how often {@code ~HS} is polled for paper-out, head-open, paused
 * @param timeoutMs    how long a status answer may take
 * @param jobDeadlineS a job not printed this long after it was accepted is reported {@code job-failed}
 * @param odometer     the printer answers {@code ~HQOD} (Zebra printers do); without one a job lost in
 *                     a power cut cannot be told from a printed one and becomes {@code job-uncertain}
 * @param templates    ZPL templates by name ({@code bag-label}, {@code order-label}, ...) with
 *                     {@code ${field}} placeholders; they replace the built-in ones of the same name
 */
public record PrinterConfig(String protocol, LinkConfig link, Integer pollMs, Integer timeoutMs,
                            Integer maxZplBytes, Integer jobDeadlineS, Boolean odometer,
                            java.util.Map<String, String> templates) implements DeviceConfig {

    public PrinterConfig(String protocol, LinkConfig link, Integer pollMs, Integer timeoutMs, Integer maxZplBytes) {
        this(protocol, link, pollMs, timeoutMs, maxZplBytes, null, null, null);
    }

    public int jobDeadlineSOrDefault() { return jobDeadlineS == null ? 60 : jobDeadlineS; }

    public boolean odometerOrDefault() { return odometer == null || odometer; }

    public java.util.Map<String, String> templatesOrEmpty() { return templates == null ? java.util.Map.of() : templates; }

    public PrinterConfig withLink(LinkConfig l) {
        return new PrinterConfig(protocol, l, pollMs, timeoutMs, maxZplBytes, jobDeadlineS, odometer, templates);
    }

    @Override
    public String kind() { return "printer"; }

    public String protocolOrDefault() { return protocol == null ? "zpl" : protocol; }

    public int pollMsOrDefault() { return pollMs == null ? 2000 : pollMs; }

    public int timeoutMsOrDefault() { return timeoutMs == null ? 2000 : timeoutMs; }

    public int maxZplBytesOrDefault() { return maxZplBytes == null ? 65536 : maxZplBytes; }
}
