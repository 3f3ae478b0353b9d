package org.conveyord.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** One entry under {@code devices:}; the map key is the device id, {@code kind} picks the type. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LineConfig.class, name = "line"),
        @JsonSubTypes.Type(value = ScaleConfig.class, name = "scale"),
        @JsonSubTypes.Type(value = PrinterConfig.class, name = "printer"),
        @JsonSubTypes.Type(value = ScannerConfig.class, name = "scanner")
})
public sealed interface DeviceConfig permits LineConfig, ScaleConfig, PrinterConfig, ScannerConfig {
    String kind();
}
