package org.conveyord.config;

import java.util.Optional;

/**
 * How bytes reach a device: exactly one of {@code tcp} ("host:port", a serial device server, a
 * printer on 9100, or device-sim) or {@code serial} (a port path; prefer /dev/serial/by-id/...).
 * Serial settings default to 9600 8N1 without handshake.
 */
public record LinkConfig(String tcp, String serial, Integer baud, Integer dataBits, String parity,
                         Integer stopBits, String handshake, Integer connectTimeoutMs) {

    public Optional<String> tcpAddress() { return Optional.ofNullable(tcp); }

    public Optional<String> serialPort() { return Optional.ofNullable(serial); }

    public int baudOrDefault() { return baud == null ? 9600 : baud; }

    public int dataBitsOrDefault() { return dataBits == null ? 8 : dataBits; }

    /** none, even, odd. */
    public String parityOrDefault() { return parity == null ? "none" : parity; }

    public int stopBitsOrDefault() { return stopBits == null ? 1 : stopBits; }

    /** none, xonxoff, rtscts. */
    public String handshakeOrDefault() { return handshake == null ? "none" : handshake; }

    public int connectTimeoutMsOrDefault() { return connectTimeoutMs == null ? 2000 : connectTimeoutMs; }

    public String host() {
        return tcp.substring(0, tcp.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1));
    }

    /** For logs and status texts. */
    public String describe() {
        return tcp != null ? "tcp " + tcp : "serial " + serial;
    }
}
