package org.conveyord.reload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP (the unit's {@code ExecReload=/bin/kill -HUP $MAINPID}) runs a reload instead of the JVM's
 * default, which treats it like SIGTERM and stops the line. {@code sun.misc.Signal} (module
 * jdk.unsupported) is the JDK's only way to handle a signal; it runs the handler on a thread of its own.
 */
public final class HangupSignal {

    private static final Logger log = LoggerFactory.getLogger(HangupSignal.class);

    private HangupSignal() {}

    public static void onHangup(Runnable reload) {
        try {
            Signal.handle(new Signal("HUP"), sig -> {
                log.info("SIGHUP: reloading the config");
                try {
                    reload.run();
                } catch (RuntimeException e) {
                    log.error("Config reload failed, the old config stays in force: {}", e.toString(), e);
                }
            });
        } catch (IllegalArgumentException e) {
            // the JVM was started with -Xrs, or the platform has no SIGHUP: reload needs a restart there
            log.warn("SIGHUP cannot be handled here ({}); a config change needs a restart", e.getMessage());
        }
    }
}
