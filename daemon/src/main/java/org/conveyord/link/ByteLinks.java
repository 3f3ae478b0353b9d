package org.conveyord.link;

import org.conveyord.config.LinkConfig;

/** Picks the transport a device's {@code link:} config names. */
public final class ByteLinks {

    private ByteLinks() { }

    /**
     * @throws IllegalArgumentException when the config names neither or both transports, or has bad
     *                                  serial settings (the config validator normally catches these first)
     */
    public static ByteLink create(LinkConfig cfg, LinkGroup group) {
        boolean tcp = cfg.tcpAddress().isPresent();
        boolean serial = cfg.serialPort().isPresent();
        if (tcp == serial) {
            throw new IllegalArgumentException("a device link needs exactly one of tcp or serial, got " + cfg);
        }
        if (tcp) {
            return new TcpLink(cfg.host(), cfg.port(), cfg.connectTimeoutMsOrDefault(), group,
                    ReconnectPolicy.forDevices());
        }
        SerialLink.Settings s = new SerialLink.Settings(cfg.baudOrDefault(), cfg.dataBitsOrDefault(),
                cfg.parityOrDefault(), cfg.stopBitsOrDefault(), cfg.handshakeOrDefault());
        return new SerialLink(cfg.serialPort().get(), s, group.next(), ReconnectPolicy.forDevices());
    }
}
