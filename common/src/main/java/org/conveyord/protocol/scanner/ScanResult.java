package org.conveyord.protocol.scanner;

/** What one scanner line means: a code was read, or the scanner saw none. */
public sealed interface ScanResult permits ScanResult.Read, ScanResult.NoRead {

    record Read(String code) implements ScanResult {
        public Read {
            if (code == null || code.isEmpty()) {
                throw new IllegalArgumentException("a read needs a non-empty code");
            }
        }
    }

    record NoRead() implements ScanResult {}

    NoRead NO_READ = new NoRead();
}
