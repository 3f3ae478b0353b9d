package org.conveyord.config;

/**
 * The daemon's HTTP server: the line page, {@code /metrics}, {@code /health} and commands over HTTP.
 *
 * @param listen {@code host:port}, or {@code off}; loopback by default, so nothing is reachable from
 *               the store network until someone decides it should be
 * @param auth   the credentials file (one {@code name secret} a line): who may send commands, and the
 *               name that becomes their {@code by}. Required when {@code listen} is not loopback
 */
public record HttpConfig(String listen, String auth) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";

    public static HttpConfig defaults() { return new HttpConfig(DEFAULT_LISTEN, null); }

    public String listenOrDefault() { return listen == null ? DEFAULT_LISTEN : listen.strip(); }

    public boolean enabled() { return !"off".equals(listenOrDefault()); }

    /** The host part of {@link #listenOrDefault()} without IPv6 brackets. */
    public String host() {
        String l = listenOrDefault();
        String h = l.substring(0, l.lastIndexOf(':'));
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    public int port() {
        String l = listenOrDefault();
        return Integer.parseInt(l.substring(l.lastIndexOf(':') + 1));
    }

    /** Whether the address only this machine can reach. */
    public boolean loopback() {
        String h = host();
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }

    public HttpConfig withListen(String l) { return new HttpConfig(l, auth); }
}
