package org.conveyord.net;

import org.conveyord.config.MqttConfig;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the TLS socket factory for {@code ssl://} broker URLs from the PEM files named in
 * {@code mqtt.tls}: the CA that signed the broker's certificate, and optionally our client certificate
 * and its unencrypted PKCS#8 key ({@code -----BEGIN PRIVATE KEY-----}). Sockets get TCP_NODELAY like
 * plain ones. Hostname verification is the MQTT client's option (Paho's connect options). Shared by the daemon and conveyorctl.
 */
public final class TlsSocketFactories {

    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

    private TlsSocketFactories() {}

    /** @throws IllegalArgumentException with a sentence naming the file and what is wrong with it */
    public static SSLSocketFactory fromPem(MqttConfig.TlsConfig tls) {
        if (tls == null || tls.ca() == null) {
            throw new IllegalArgumentException("an ssl:// broker URL needs mqtt.tls.ca: the PEM file of the CA that signed the broker's certificate");
        }
        if ((tls.cert() == null) != (tls.key() == null)) {
            throw new IllegalArgumentException("mqtt.tls.cert and mqtt.tls.key go together: give both (client certificate) or neither");
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            List<Certificate> cas = certificates(Path.of(tls.ca()), "mqtt.tls.ca");
            for (int i = 0; i < cas.size(); i++) trust.setCertificateEntry("ca-" + i, cas.get(i));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            KeyManagerFactory kmf = null;
            if (tls.cert() != null) {
                List<Certificate> chain = certificates(Path.of(tls.cert()), "mqtt.tls.cert");
                PrivateKey key = privateKey(Path.of(tls.key()));
                char[] pass = new char[0];
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, pass, chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pass);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new NoDelaySslSocketFactory(ctx.getSocketFactory());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS from mqtt.tls: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path pem, String key) {
        try (InputStream in = Files.newInputStream(pem)) {
            List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) throw new IllegalArgumentException(key + " " + pem + " holds no certificate; expected PEM (-----BEGIN CERTIFICATE-----)");
            return certs;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + key + " " + pem + ": " + e.getClass().getSimpleName(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key + " " + pem + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path pem) {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read mqtt.tls.key " + pem + ": " + e.getClass().getSimpleName(), e);
        }
        Matcher m = PEM_KEY.matcher(text);
        if (!m.find() || !m.group(1).isEmpty()) {
            throw new IllegalArgumentException("mqtt.tls.key " + pem + " must be an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("mqtt.tls.key " + pem + " is not an RSA, EC or Ed25519 key");
    }

    /** Paho insists on an SSLSocketFactory for ssl:// URLs, so the NODELAY wrapper must be one too. */
    static final class NoDelaySslSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        NoDelaySslSocketFactory(SSLSocketFactory delegate) { this.delegate = delegate; }

        private static Socket noDelay(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override public String[] getDefaultCipherSuites() { return delegate.getDefaultCipherSuites(); }

        @Override public String[] getSupportedCipherSuites() { return delegate.getSupportedCipherSuites(); }

        @Override public Socket createSocket() throws IOException { return noDelay(delegate.createSocket()); }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return noDelay(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException { return noDelay(delegate.createSocket(host, port)); }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException { return noDelay(delegate.createSocket(host, port)); }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
