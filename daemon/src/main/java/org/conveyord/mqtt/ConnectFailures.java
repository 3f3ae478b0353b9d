package org.conveyord.mqtt;

import org.eclipse.paho.client.mqttv3.MqttException;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;

/**
 * Turns a failed connect into one sentence naming the config to fix, for the failures that will not
 * go away by retrying: the broker's certificate not signed by our CA, the certificate naming another
 * host, our username/password refused, our client certificate refused. Network trouble (refused,
 * timed out, reset) gets no sentence: it is reported as it is and retried. Never includes secrets.
 */
final class ConnectFailures {

    private ConnectFailures() {}

    static Optional<String> configProblem(Throwable err, String url) {
        for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MqttException me) {
                int rc = me.getReasonCode();
                if (rc == MqttException.REASON_CODE_FAILED_AUTHENTICATION || rc == MqttException.REASON_CODE_NOT_AUTHORIZED) {
                    return Optional.of("the broker at " + url + " refused our username or password (CONNACK "
                            + rc + "): check mqtt.credentialsFile and the broker's password file");
                }
            }
            String msg = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof CertPathValidatorException || msg.contains("PKIX path") || msg.contains("unable to find valid certification path")) {
                return Optional.of("the broker's TLS certificate at " + url + " is not signed by the CA in mqtt.tls.ca:"
                        + " point mqtt.tls.ca at the CA that signed it");
            }
            if (t instanceof CertificateException && (msg.contains("No subject alternative") || msg.contains("No name matching"))) {
                return Optional.of("the broker's TLS certificate does not name the host in mqtt.url " + url + " (" + msg
                        + "): use the name the certificate was issued for, or reissue it");
            }
            if (msg.contains("certificate_required") || msg.contains("bad_certificate") || msg.contains("unknown_ca")) {
                return Optional.of("the broker at " + url + " refused our TLS client certificate (" + msg
                        + "): check mqtt.tls.cert and mqtt.tls.key and the CA the broker trusts for clients");
            }
        }
        return Optional.empty();
    }
}
