package org.conveyord;

import org.conveyord.config.DeviceConfig;
import org.conveyord.config.LineConfig;
import org.conveyord.config.PrinterConfig;
import org.conveyord.config.ScaleConfig;
import org.conveyord.config.ScannerConfig;
import org.conveyord.conveyor.LinePeripherals;
import org.conveyord.device.Device;
import org.conveyord.device.DeviceContext;
import org.conveyord.link.ByteLinks;
import org.conveyord.link.LinkGroup;
import org.conveyord.printer.FilePrintQueue;
import org.conveyord.printer.InMemoryPrintQueue;
import org.conveyord.printer.ZplPrinter;
import org.conveyord.protocol.scanner.ScanResult;
import org.conveyord.scale.ContinuousScale;
import org.conveyord.scale.MtSicsScale;
import org.conveyord.scale.NciEcrScale;
import org.conveyord.scale.Scale;
import org.conveyord.scanner.LineScanner;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Part of the wiring: builds the peripheral devices from their config and lets the line reach them
 * through {@link LinePeripherals} without knowing their classes.
 */
final class DevicePorts implements LinePeripherals {
    private final Map<String, Device> devices;

    DevicePorts(Map<String, Device> devices) {
        this.devices = devices;
    }

    /** With print queues in memory only: for tests and tools without a state directory. */
    static Device create(String id, DeviceConfig cfg, LinkGroup links, DeviceContext ctx) {
        return create(id, cfg, links, ctx, null);
    }

    /** @param stateDir where printers keep their durable job queues; null keeps them in memory */
    static Device create(String id, DeviceConfig cfg, LinkGroup links, DeviceContext ctx, java.nio.file.Path stateDir) {
        return switch (cfg) {
            case ScaleConfig s -> switch (s.protocolOrDefault()) {
                case "mt-continuous" -> new ContinuousScale(id, s, ByteLinks.create(s.link(), links), ctx);
                case "nci-ecr" -> new NciEcrScale(id, s, ByteLinks.create(s.link(), links), ctx);
                default -> new MtSicsScale(id, s, ByteLinks.create(s.link(), links), ctx);
            };
            case PrinterConfig p -> new ZplPrinter(id, p, ByteLinks.create(p.link(), links), ctx,
                    stateDir == null ? new InMemoryPrintQueue() : new FilePrintQueue(stateDir, id));
            case ScannerConfig sc -> new LineScanner(id, sc, ByteLinks.create(sc.link(), links), ctx);
            case LineConfig l -> throw new IllegalArgumentException("lines are built by the Daemon");
        };
    }

    @Override
    public void onScan(String scannerId, ScanHandler handler) {
        if (devices.get(scannerId) instanceof LineScanner s) {
            s.addListener((result, nanos) -> handler.scanned(result instanceof ScanResult.Read r ? r.code() : null, nanos));
        }
    }

    @Override
    public CompletionStage<Reading> weigh(String scaleId) {
        if (devices.get(scaleId) instanceof Scale s) {
            return s.readWeight(false).thenApply(w -> new Reading(w.grams(), w.stable()));
        }
        return CompletableFuture.failedFuture(new IllegalStateException(scaleId + " is not a scale"));
    }

    @Override
    public CompletionStage<Reading> weighStable(String scaleId) {
        if (devices.get(scaleId) instanceof Scale s) {
            return s.readWeight(true).thenApply(w -> new Reading(w.grams(), w.stable()));
        }
        return CompletableFuture.failedFuture(new IllegalStateException(scaleId + " is not a scale"));
    }

    @Override
    public void printBagLabel(String printerId, String order, String bag, String lane, String cmdId) {
        if (devices.get(printerId) instanceof ZplPrinter p) {
            p.printBagLabel(order, bag, lane, cmdId);
        }
    }
}
