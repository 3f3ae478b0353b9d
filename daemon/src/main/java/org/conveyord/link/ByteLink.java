package org.conveyord.link;

/**
 * A byte stream to one device, whatever carries it (jssc serial, TCP through Netty). Protocols sit
 * above this and never know which. {@link #start} connects in the background and keeps
 * reconnecting with {@link ReconnectPolicy} until {@link #stop}; each loss is reported with its
 * cause. Listener calls come from the link's own thread and must not block.
 */
public interface ByteLink {

    interface Listener {
        void connected();

        void received(byte[] data, int offset, int length);

        /** The link went down (or a connect attempt failed); it will retry by itself. */
        void disconnected(String reason);
    }

    void start(Listener listener);

    /** Sends bytes; returns false (and sends nothing) when not connected. */
    boolean write(byte[] data);

    boolean isConnected();

    /** "tcp 127.0.0.1:7101" or "serial /dev/serial/by-id/..." for logs and status texts. */
    String describe();

    /** Closes and stops reconnecting; safe to call twice. */
    void stop();
}
