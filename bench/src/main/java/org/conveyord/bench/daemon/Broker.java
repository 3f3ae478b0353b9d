package org.conveyord.bench.daemon;

import org.conveyord.bench.delivery.LocalMosquitto;

/** The broker a daemon benchmark talks to: {@code --mqtt-url}, else a Mosquitto started for the run. */
final class Broker implements AutoCloseable {
    final String url;
    private final LocalMosquitto own;

    Broker(BenchOptions opts) throws Exception {
        if (opts.mqttUrl() != null) {
            url = opts.mqttUrl();
            own = null;
        } else {
            own = new LocalMosquitto();
            own.start();
            url = own.url();
        }
    }

    @Override
    public void close() throws Exception {
        if (own != null) own.close();
    }
}
