package org.conveyord.ctl;

import org.conveyord.config.MqttConfig;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
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
 * The TLS context for {@code ssl://} brokers from the same {@code mqtt.tls} PEM files the daemon uses:
 * the CA that signed the broker's certificate, and optionally a client certificate with its
 * unencrypted PKCS#8 key. Hostname verification is Paho's connect option, set by {@link BrokerConnection}.
 */
final class TlsSetup {

    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

    private TlsSetup() {}

    /** @throws SettingsException naming the file and what is wrong with it */
    static SSLSocketFactory socketFactory(MqttConfig.TlsConfig tls) {
        if (tls == null || tls.ca() == null) {
            throw new SettingsException("an ssl:// broker needs mqtt.tls.ca in the config: the PEM file of the CA that signed the broker's certificate");
        }
        if ((tls.cert() == null) != (tls.key() == null)) {
            throw new SettingsException("mqtt.tls.cert and mqtt.tls.key go together: give both (client certificate) or neither");
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
                char[] noPassword = new char[0];
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", privateKey(Path.of(tls.key())), noPassword,
                        certificates(Path.of(tls.cert()), "mqtt.tls.cert").toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, noPassword);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new SettingsException("cannot set up TLS from mqtt.tls: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path pem, String key) {
        try (InputStream in = Files.newInputStream(pem)) {
            List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) throw new SettingsException(key + " " + pem + " holds no certificate; expected PEM (-----BEGIN CERTIFICATE-----)");
            return certs;
        } catch (IOException e) {
            throw new SettingsException("cannot read " + key + " " + pem + " (" + e.getClass().getSimpleName() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new SettingsException(key + " " + pem + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path pem) {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new SettingsException("cannot read mqtt.tls.key " + pem + " (" + e.getClass().getSimpleName() + ")", e);
        }
        Matcher m = PEM_KEY.matcher(text);
        if (!m.find() || !m.group(1).isEmpty()) {
            throw new SettingsException("mqtt.tls.key " + pem + " must be an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: the PEM header does not say which one it is
            }
        }
        throw new SettingsException("mqtt.tls.key " + pem + " is not an RSA, EC or Ed25519 key");
    }
}
