package org.conveyord.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.conveyord.sim.physics.SimSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * The README's key table (section "Configuration") and the keys the config model accepts are the
 * same set. The model's keys come from Jackson, which binds the file: the properties it accepts on
 * each config record, the device kinds of {@link DeviceConfig}'s {@code @JsonSubTypes}, and, for the
 * {@code sim:} block that only device-sim reads, {@link SimSettings}' components.
 * <p>
 * Key paths here: {@code mqtt.tls.ca}; a device's keys as {@code devices.<kind>.zones[].eye}; a pin is
 * one value wherever it is used, and its own map keys are {@code pin.<key>}. In the README a row's
 * first cell names keys in backticks, optionally after a scope ({@code line:}, {@code scale / printer:},
 * {@code pins:}); {@code devices.<id>.} means every kind, and {@code a.{b, c}} stands for {@code a.b, a.c}.
 */
class ReadmeConfigKeysTest {

    private static final Path README = Path.of(System.getProperty("conveyord.repo", ".."), "README.md");
    private static final YAMLMapper MAPPER = new YAMLMapper();
    private static final String PIN_SCOPE = "pin.";

    @Test
    void everyKeyTheConfigModelAcceptsHasARowAndEveryRowIsAKey() throws IOException {
        Set<String> model = modelKeys();
        Set<String> documented = documentedKeys(Files.readString(README));

        List<String> undocumented = model.stream().filter(k -> !documented.contains(k))
                .map(k -> k + " (add a row such as: " + readmeForm(k) + ")").toList();
        List<String> stale = documented.stream().filter(k -> !model.contains(k)).toList();
        assertSoftly(soft -> {
            soft.assertThat(undocumented).as("config keys the model accepts but README.md's Configuration table does not document")
                    .isEmpty();
            soft.assertThat(stale).as("keys README.md's Configuration table documents but the config model does not accept")
                    .isEmpty();
        });
    }

    @Test
    void theModelWalkFindsKeysAtEveryDepth() {
        assertThat(modelKeys()).contains("site", "mqtt.tls.verifyHostname", "gpio.sim.port", "devices.line.kind",
                "devices.line.printer", "devices.line.stackLight.blue", "devices.line.sorter.diverters[].atM",
                "devices.scanner.link.baud", "devices.printer.templates", "pin.debounceMs", "sim.seed");
    }

    @Test
    void aRowExpandsItsScopeAndBraces() {
        String readme = """
                ## Configuration

                | key | default | meaning |
                |---|---|---|
                | `devices.<id>.kind` | — | x |
                | line: `sorter.diverters[].{lane, atM}`, `printer` | — | x |
                | scale / printer: `link.{tcp, serial}` | — | x |
                | pins: `pin` | — | x |

                after the table: `not.a.key`
                """;
        assertThat(documentedKeys(readme)).containsExactlyInAnyOrder(
                "devices.line.kind", "devices.scale.kind", "devices.printer.kind", "devices.scanner.kind",
                "devices.line.sorter.diverters[].lane", "devices.line.sorter.diverters[].atM", "devices.line.printer",
                "devices.scale.link.tcp", "devices.scale.link.serial", "devices.printer.link.tcp", "devices.printer.link.serial",
                "pin.pin");
    }

    // ---- the model ----

    static Set<String> modelKeys() {
        Set<String> out = new TreeSet<>();
        walk(MAPPER.constructType(ConveyordConfig.class), "", out);
        walk(MAPPER.constructType(PinConfig.class), PIN_SCOPE, out);
        return out;
    }

    /** Adds the key paths of {@code type}'s properties: a nested config record's keys, or the key itself for a value. */
    private static void walk(JavaType type, String prefix, Set<String> out) {
        for (Map.Entry<String, JavaType> p : acceptedProperties(type).entrySet()) {
            String path = prefix + p.getKey();
            JavaType t = p.getValue();
            if (path.equals("sim") && JsonNode.class.isAssignableFrom(t.getRawClass())) {
                Arrays.stream(SimSettings.class.getRecordComponents()).forEach(rc -> out.add("sim." + rc.getName()));
            } else if (t.isMapLikeType() && DeviceConfig.class.isAssignableFrom(t.getContentType().getRawClass())) {
                for (JsonSubTypes.Type kind : DeviceConfig.class.getAnnotation(JsonSubTypes.class).value()) {
                    String kindPrefix = path + "." + kind.name() + ".";
                    out.add(kindPrefix + "kind");
                    walk(MAPPER.constructType(kind.value()), kindPrefix, out);
                }
            } else if (t.isCollectionLikeType() && isConfigRecord(t.getContentType().getRawClass())) {
                walk(t.getContentType(), path + "[].", out);
            } else if (isConfigRecord(t.getRawClass())) {
                walk(t, path + ".", out);
            } else {
                out.add(path);
            }
        }
    }

    /** A record of the config model whose keys nest under its key; a pin is a value (its own keys are {@code pin.*}). */
    private static boolean isConfigRecord(Class<?> c) {
        return c.isRecord() && c.getPackage() == ConveyordConfig.class.getPackage() && c != PinConfig.class;
    }

    /** What Jackson binds on {@code type}: its property names and their types, in declaration order. */
    private static Map<String, JavaType> acceptedProperties(JavaType type) {
        BeanDescription d = MAPPER.getDeserializationConfig().introspect(type);
        Map<String, JavaType> out = new LinkedHashMap<>();
        for (BeanPropertyDefinition p : d.findProperties()) {
            if (p.couldDeserialize() && !p.getName().equals("kind")) out.put(p.getName(), p.getPrimaryType());
        }
        return out;
    }

    // ---- the README ----

    private static final Pattern IN_BACKTICKS = Pattern.compile("`([^`]+)`");
    private static final Map<String, List<String>> SCOPES = Map.of(
            "line", List.of("devices.line."), "scale", List.of("devices.scale."), "printer", List.of("devices.printer."),
            "scanner", List.of("devices.scanner."), "pins", List.of(PIN_SCOPE));
    private static final List<String> ALL_KINDS = List.of("devices.line.", "devices.scale.", "devices.printer.", "devices.scanner.");

    static Set<String> documentedKeys(String readme) {
        Matcher heading = Pattern.compile("(?m)^## Configuration$").matcher(readme);
        assertThat(heading.find()).as("README.md has a section ## Configuration").isTrue();
        List<String> lines = readme.substring(heading.start()).lines().toList();
        int header = 0;
        while (header < lines.size() && !lines.get(header).startsWith("| key |")) header++;
        assertThat(header).as("the Configuration section has a table starting | key | default | meaning |").isLessThan(lines.size());
        Set<String> out = new TreeSet<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String keyCell = lines.get(i).split("\\|")[1];
            out.addAll(keysOfCell(keyCell, lines.get(i)));
        }
        return out;
    }

    private static List<String> keysOfCell(String cell, String row) {
        int colon = cell.indexOf(':');
        int tick = cell.indexOf('`');
        List<String> prefixes = List.of("");
        if (colon >= 0 && colon < tick) {
            prefixes = new ArrayList<>();
            for (String scope : cell.substring(0, colon).split("/")) {
                List<String> p = SCOPES.get(scope.strip());
                assertThat(p).as("unknown scope '" + scope.strip() + "' in README row: " + row + "; expected one of " + SCOPES.keySet())
                        .isNotNull();
                prefixes.addAll(p);
            }
        }
        List<String> keys = new ArrayList<>();
        Matcher m = IN_BACKTICKS.matcher(cell);
        while (m.find()) {
            for (String key : expandBraces(m.group(1).strip())) {
                for (String prefix : prefixes) {
                    if (key.startsWith("devices.<id>.")) {
                        ALL_KINDS.forEach(k -> keys.add(k + key.substring("devices.<id>.".length())));
                    } else {
                        keys.add(prefix + key);
                    }
                }
            }
        }
        return keys;
    }

    private static List<String> expandBraces(String s) {
        int open = s.indexOf('{');
        if (open < 0) return List.of(s);
        int close = s.indexOf('}', open);
        List<String> out = new ArrayList<>();
        for (String alt : s.substring(open + 1, close).split(",")) {
            out.addAll(expandBraces(s.substring(0, open) + alt.strip() + s.substring(close + 1)));
        }
        return out;
    }

    /** How a model key is written in the README table, for the failure message. */
    private static String readmeForm(String key) {
        if (key.startsWith(PIN_SCOPE)) return "pins: `" + key.substring(PIN_SCOPE.length()) + "`";
        for (String kind : List.of("line", "scale", "printer", "scanner")) {
            String p = "devices." + kind + ".";
            if (key.startsWith(p)) return kind + ": `" + key.substring(p.length()) + "`";
        }
        return "`" + key + "`";
    }
}
