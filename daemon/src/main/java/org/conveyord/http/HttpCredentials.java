package org.conveyord.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may send commands over HTTP: the {@code http.auth} file, one {@code name secret} a line
 * ({@code #} starts a comment). A request proves a name with {@code Authorization: Bearer <secret>}
 * or Basic {@code name:secret}; that name becomes the command's {@code by}. Secrets are compared in
 * constant time and never logged.
 */
public final class HttpCredentials {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final int MIN_SECRET = 8;

    /** name -> secret bytes */
    private final Map<String, byte[]> secrets;

    private HttpCredentials(Map<String, byte[]> secrets) { this.secrets = secrets; }

    /** Nobody: every command is refused (no {@code http.auth} configured). */
    public static HttpCredentials none() { return new HttpCredentials(Map.of()); }

    public boolean configured() { return !secrets.isEmpty(); }

    /** @throws IllegalArgumentException naming the file and line of the first bad entry */
    public static HttpCredentials load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read http.auth " + file + ": " + e.getClass().getSimpleName());
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = "http.auth " + file + " line " + (i + 1);
            String[] parts = line.split("\\s+");
            if (parts.length != 2) throw new IllegalArgumentException(where + ": expected 'name secret'");
            if (!NAME.matcher(parts[0]).matches()) {
                throw new IllegalArgumentException(where + ": the name must be 1-64 letters, digits, '.', '_', '@' or '-'");
            }
            if (parts[1].length() < MIN_SECRET) {
                throw new IllegalArgumentException(where + ": the secret for " + parts[0] + " must be at least " + MIN_SECRET + " characters");
            }
            if (out.put(parts[0], parts[1].getBytes(StandardCharsets.UTF_8)) != null) {
                throw new IllegalArgumentException(where + ": " + parts[0] + " is listed twice");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("http.auth " + file + " lists nobody; expected 'name secret' lines");
        return new HttpCredentials(Map.copyOf(out));
    }

    /** The authenticated name, or empty for a missing, malformed or wrong {@code Authorization} header. */
    public Optional<String> authenticate(String authorization) {
        if (authorization == null) return Optional.empty();
        String h = authorization.strip();
        int sp = h.indexOf(' ');
        if (sp < 0) return Optional.empty();
        String scheme = h.substring(0, sp);
        String value = h.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            byte[] given = value.getBytes(StandardCharsets.UTF_8);
            String found = null;
            // every entry is compared, so the time taken does not tell which name matched
            for (var e : secrets.entrySet()) {
                if (MessageDigest.isEqual(e.getValue(), given) && found == null) found = e.getKey();
            }
            return Optional.ofNullable(found);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) return Optional.empty();
            String name = decoded.substring(0, colon);
            byte[] expected = secrets.get(name);
            byte[] given = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
            return expected != null && MessageDigest.isEqual(expected, given) ? Optional.of(name) : Optional.empty();
        }
        return Optional.empty();
    }
}
