package org.conveyord.scanner;

import org.conveyord.protocol.scanner.ScanResult;

/**
 * Told about every scanner line, read or no-read, with {@link System#nanoTime()} at arrival (for
 * tracking windows). Called from the link thread: must not block.
 */
@FunctionalInterface
public interface ScanListener {
    void scanned(ScanResult result, long nanoTime);
}
