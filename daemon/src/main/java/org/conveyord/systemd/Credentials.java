package org.conveyord.systemd;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a configured credentials file is. {@code ${CREDENTIALS_DIRECTORY}} in the configured path
 * becomes the directory systemd's {@code LoadCredential=} hands the service (readable by it alone),
 * so the config can say {@code credentialsFile: ${CREDENTIALS_DIRECTORY}/mqtt}.
 */
public final class Credentials {
    public static final String VARIABLE = "${CREDENTIALS_DIRECTORY}";

    private Credentials() {}

    public static Path resolve(String key, String configured, Map<String, String> env) {
        if (!configured.contains(VARIABLE)) return Path.of(configured);
        String dir = env.get("CREDENTIALS_DIRECTORY");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException(key + " " + configured + " names " + VARIABLE
                    + ", which is not set: systemd sets it for a unit with LoadCredential=; outside systemd, set it or give the file's path");
        }
        return Path.of(configured.replace(VARIABLE, dir));
    }
}
