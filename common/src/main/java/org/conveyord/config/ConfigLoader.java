package org.conveyord.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a YAML config file into {@link ConveyordConfig}, collecting every problem it can with the
 * file line it stands on (binding problems from Jackson, then {@link ConfigValidator}'s checks).
 */
public final class ConfigLoader {

    /** What came out of a file: the config (null when it could not be bound) and all problems. */
    public record Result(Path file, ConveyordConfig config, List<ConfigProblem> problems, String sha256,
                         Map<String, Integer> keyLines) {
        /** The file line of a key path, or of its nearest parent in the file (1 when none is). */
        public int lineOf(String keyPath) {
            return lineFor(keyLines, keyPath);
        }

        public boolean ok() {
            return config != null && problems.stream().noneMatch(ConfigProblem::isError);
        }

        public List<ConfigProblem> warnings() {
            return problems.stream().filter(p -> !p.isError()).toList();
        }
    }

    private ConfigLoader() {}

    /** Loads and validates; never throws for a bad file, the problems say what is wrong. */
    public static Result load(Path file) {
        List<ConfigProblem> problems = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            problems.add(new ConfigProblem(file, 0, "", "cannot read the file (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); expected a readable YAML file", ConfigProblem.Severity.ERROR));
            return new Result(file, null, problems, "", Map.of());
        }
        String sha = sha256(bytes);
        Map<String, Integer> lines = new HashMap<>();
        try {
            indexLines(bytes, lines);
        } catch (IOException e) {
            problems.add(new ConfigProblem(file, lineOf(e), "", "not valid YAML: " + firstLine(e.getMessage()),
                    ConfigProblem.Severity.ERROR));
            return new Result(file, null, problems, sha, Map.copyOf(lines));
        }
        if (lines.isEmpty()) {
            problems.add(new ConfigProblem(file, 1, "", "the file is empty; expected a YAML map with site, node, mqtt, gpio and devices",
                    ConfigProblem.Severity.ERROR));
            return new Result(file, null, problems, sha, Map.copyOf(lines));
        }
        Set<String> unparsed = new HashSet<>();
        YAMLMapper mapper = mapper(file, problems, lines, unparsed);
        ConveyordConfig config = null;
        try {
            config = mapper.readValue(bytes, ConveyordConfig.class);
        } catch (JsonMappingException e) {
            String path = keyPath(e.getPath());
            problems.add(new ConfigProblem(file, lines.getOrDefault(path, lineOf(e)), path,
                    bindingMessage(e), ConfigProblem.Severity.ERROR));
        } catch (IOException e) {
            problems.add(new ConfigProblem(file, lineOf(e), "", "not valid YAML: " + firstLine(e.getMessage()),
                    ConfigProblem.Severity.ERROR));
        }
        if (config != null) {
            for (ConfigValidator.Finding f : ConfigValidator.validate(config)) {
                if (underAny(f.keyPath(), unparsed)) continue;
                problems.add(new ConfigProblem(file, lineFor(lines, f.keyPath()), f.keyPath(), f.message(), f.severity()));
            }
        }
        problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return new Result(file, config, List.copyOf(problems), sha, Map.copyOf(lines));
    }

    /** Loads, and throws with every error listed when the file cannot be used. */
    public static Result loadOrThrow(Path file) throws ConfigException {
        Result r = load(file);
        if (!r.ok()) {
            throw new ConfigException(r.problems().stream().filter(ConfigProblem::isError).toList());
        }
        return r;
    }

    /**
     * Whether {@code keyPath} is one of the keys that failed to parse, or inside one: that key already
     * has its error, and a check of the stand-in value it was bound to would only add a second, wrong one.
     */
    static boolean underAny(String keyPath, Set<String> unparsed) {
        for (String u : unparsed) {
            if (keyPath.equals(u) || keyPath.startsWith(u + ".") || keyPath.startsWith(u + "[")) return true;
        }
        return false;
    }

    /**
     * A value that does not parse is reported here, its key path goes into {@code unparsed}, and the
     * binding goes on with a stand-in so that the rest of the file is still checked: null (the key
     * counts as absent, so other keys' checks use its documented default) or, where a primitive needs
     * one, zero.
     */
    private static YAMLMapper mapper(Path file, List<ConfigProblem> problems, Map<String, Integer> lines,
                                     Set<String> unparsed) {
        YAMLMapper m = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        m.addHandler(new DeserializationProblemHandler() {
            @Override
            public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deser,
                                                 Object beanOrClass, String propertyName) throws IOException {
                String path = keyPath(p.getParsingContext());
                TreeSet<String> known = new TreeSet<>();
                if (deser != null && deser.getKnownPropertyNames() != null) {
                    deser.getKnownPropertyNames().forEach(k -> known.add(String.valueOf(k)));
                }
                known.remove("kind");
                problems.add(new ConfigProblem(file, lines.getOrDefault(path, lineOf(p.currentTokenLocation())), path,
                        "unknown key '" + propertyName + "'; expected one of: " + String.join(", ", known),
                        ConfigProblem.Severity.ERROR));
                p.skipChildren();
                return true;
            }

            @Override
            public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value,
                                                 String failureMsg) {
                return weird(ctxt.getParser(), targetType, "'" + value + "'");
            }

            @Override
            public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number value,
                                                 String failureMsg) {
                return weird(ctxt.getParser(), targetType, String.valueOf(value));
            }

            private Object weird(JsonParser p, Class<?> targetType, String shown) {
                String path = keyPath(p.getParsingContext());
                unparsed.add(path);
                problems.add(new ConfigProblem(file, lines.getOrDefault(path, lineOf(p.currentTokenLocation())), path,
                        shown + " is not a valid " + typeWord(targetType) + "; expected " + expected(targetType),
                        ConfigProblem.Severity.ERROR));
                return standIn(targetType);
            }
        });
        return m;
    }

    private static Object standIn(Class<?> t) {
        if (t == int.class) return 0;
        if (t == double.class) return 0.0;
        if (t == long.class) return 0L;
        if (t == boolean.class) return false;
        return null;
    }

    private static String typeWord(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "whole number";
        if (t == double.class || t == Double.class) return "number";
        if (t == boolean.class || t == Boolean.class) return "true/false value";
        if (t == PinConfig.class) return "pin";
        if (t == PinConfig.Bias.class) return "bias";
        return t.getSimpleName();
    }

    private static String expected(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "a whole number, e.g. 17";
        if (t == double.class || t == Double.class) return "a number, e.g. 0.8";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == PinConfig.class) return "a pin number, or {pin: 17, activeLow: true}";
        if (t == PinConfig.Bias.class) return "pull-up, pull-down or external";
        return "a " + t.getSimpleName();
    }

    private static String bindingMessage(JsonMappingException e) {
        String msg = firstLine(e.getOriginalMessage());
        if (msg.contains("Missing required creator property 'pin'")) {
            return "a pin map needs 'pin'; expected a pin number, or {pin: 17, activeLow: true}";
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.InvalidTypeIdException ite && ite.getTypeId() != null) {
            return "unknown device kind '" + ite.getTypeId() + "'; expected one of: line, scale, printer, scanner";
        }
        if (msg.contains("missing type id property 'kind'")) {
            return "a device needs 'kind'; expected one of: line, scale, printer, scanner";
        }
        if (msg.startsWith("Cannot deserialize value of type")) {
            return "wrong type here: " + msg.replaceAll("`[a-z.]+\\.", "`") + "; see config/demo.yaml for the expected shape";
        }
        return msg + "; see config/demo.yaml for the expected shape";
    }

    private static void indexLines(byte[] bytes, Map<String, Integer> lines) throws IOException {
        try (JsonParser p = new YAMLFactory().createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t != null) walk(p, "", lines);
        }
    }

    private static void walk(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        JsonToken t = p.currentToken();
        lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String child = path.isEmpty() ? name : path + "." + name;
                lines.put(child, p.currentTokenLocation().getLineNr());
                p.nextToken();
                walk(p, child, lines);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                lines.put(child, p.currentTokenLocation().getLineNr());
                walk(p, child, lines);
            }
        }
    }

    /** The line of a key, or of its nearest parent that is in the file (a missing key's parent). */
    static int lineFor(Map<String, Integer> lines, String keyPath) {
        String k = keyPath;
        while (!k.isEmpty()) {
            Integer l = lines.get(k);
            if (l != null) return l;
            int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
            k = cut <= 0 ? "" : k.substring(0, cut);
        }
        return lines.getOrDefault("", 1);
    }

    private static String keyPath(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String keyPath(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.inObject() && c.getCurrentName() != null) {
                parts.add(0, "." + c.getCurrentName());
            }
        }
        String s = String.join("", parts);
        return s.startsWith(".") ? s.substring(1) : s;
    }

    private static int lineOf(Exception e) {
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) return lineOf(jpe.getLocation());
        return 0;
    }

    private static int lineOf(JsonLocation loc) {
        return loc == null ? 0 : Math.max(0, loc.getLineNr());
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
