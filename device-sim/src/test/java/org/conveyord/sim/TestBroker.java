package org.conveyord.sim;

import io.moquette.broker.Server;
import io.moquette.broker.config.IConfig;
import io.moquette.broker.config.MemoryConfig;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Properties;

/** An in-process Moquette broker on loopback (telemetry and persistence off, see platform-notes). */
final class TestBroker implements AutoCloseable {
    private final Server server = new Server();
    private final int port;

    TestBroker() throws IOException {
        port = freePort();
        Properties p = new Properties();
        p.setProperty(IConfig.HOST_PROPERTY_NAME, "127.0.0.1");
        p.setProperty(IConfig.PORT_PROPERTY_NAME, Integer.toString(port));
        p.setProperty(IConfig.ENABLE_TELEMETRY_NAME, "false");
        p.setProperty(IConfig.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        p.setProperty(IConfig.ALLOW_ANONYMOUS_PROPERTY_NAME, "true");
        server.startServer(new MemoryConfig(p));
    }

    int port() { return port; }

    String url() { return "tcp://127.0.0.1:" + port; }

    @Override
    public void close() { server.stopServer(); }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
