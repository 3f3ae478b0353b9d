package org.conveyord.mqtt;

import org.junit.jupiter.api.Test;

import javax.net.SocketFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

class PahoMqttTransportTest {

    @Test
    void socketsFromOurFactoryHaveTcpNoDelay() throws Exception {
        var factory = new org.conveyord.net.NoDelaySocketFactory(SocketFactory.getDefault());
        try (ServerSocket server = new ServerSocket(0);
             Socket s = factory.createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 2000);
            assertThat(s.getTcpNoDelay()).isTrue();
        }
    }

    @Test
    void optionsNeverPrintThePassword() {
        var o = new PahoMqttTransport.Options("tcp://h:1", "id", 30, null, null, "alice", "s3cret".toCharArray(), 10, null, true);
        assertThat(o.toString()).doesNotContain("s3cret").doesNotContain("alice");
    }
}
