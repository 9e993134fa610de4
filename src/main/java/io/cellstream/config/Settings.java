package io.cellstream.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw configuration in layers, each later one overriding the earlier: built-in defaults, the properties
 * file, the environment, the command line. Remembers where each value came from, so that an error can say
 * "from environment CELLSTREAM_MODEL_HIDDEN_SIZE", and masks secrets when printed.
 *
 * <p>Environment names: {@code cellstream.model.hidden-size} is {@code CELLSTREAM_MODEL_HIDDEN_SIZE}; any
 * Kafka client or Streams setting {@code a.b.c} is {@code CELLSTREAM_KAFKA_A_B_C}. A key ending in
 * {@code .file} names a file whose content is the value of the key without it (for secrets mounted as files):
 * {@code sasl.jaas.config.file=/run/secrets/jaas} sets {@code sasl.jaas.config}.
 */
public final class Settings {

  /** A value and where it came from. */
  public record Value(String value, String source) {}

  private final Map<String, Value> values = new LinkedHashMap<>();

  public Settings() {}

  public Settings withDefaults(Map<String, String> defaults) {
    defaults.forEach((k, v) -> values.put(k, new Value(v, "default")));
    return this;
  }

  /** Adds the properties of {@code file}; a missing file is an error the caller reports. */
  public Settings withFile(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    for (String k : p.stringPropertyNames()) {
      values.put(k.trim(), new Value(p.getProperty(k).trim(), "file " + file));
    }
    return this;
  }

  /**
   * Adds environment variables. Cellstream keys are matched against {@code knownKeys} (so that '-' and '.'
   * map back unambiguously); {@code CELLSTREAM_KAFKA_*} become lower-case dotted Kafka keys.
   */
  public Settings withEnvironment(Map<String, String> env, Iterable<String> knownKeys) {
    Map<String, String> byEnvName = new TreeMap<>();
    for (String k : knownKeys) {
      byEnvName.put(envName(k), k);
    }
    for (var e : env.entrySet()) {
      String name = e.getKey();
      if (name.startsWith("CELLSTREAM_KAFKA_")) {
        String key = name.substring("CELLSTREAM_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
        values.put(key, new Value(e.getValue(), "environment " + name));
      } else if (byEnvName.containsKey(name)) {
        values.put(byEnvName.get(name), new Value(e.getValue(), "environment " + name));
      }
    }
    return this;
  }

  public Settings withCommandLine(Map<String, String> overrides) {
    overrides.forEach((k, v) -> values.put(k, new Value(v, "command line")));
    return this;
  }

  public Settings set(String key, String value, String source) {
    values.put(key, new Value(value, source));
    return this;
  }

  /** Resolves {@code *.file} indirections; a file that cannot be read is reported as a problem. */
  public Settings resolveFiles(java.util.List<String> problems) {
    for (var e : Map.copyOf(values).entrySet()) {
      String key = e.getKey();
      if (key.endsWith(".file") && !key.equals("ssl.keystore.file") && isIndirection(key)) {
        String target = key.substring(0, key.length() - ".file".length());
        Path path = Path.of(e.getValue().value());
        try {
          values.put(target, new Value(Files.readString(path).strip(), "file " + path + " (via " + key + ")"));
          values.remove(key);
        } catch (IOException ex) {
          problems.add(key + ": cannot read " + path + " (" + ex.getClass().getSimpleName() + "), from " + e.getValue().source());
        }
      }
    }
    return this;
  }

  private static boolean isIndirection(String key) {
    // Kafka's own keys that end in ".file" are not indirections; none do as of 4.x, but keep the rule narrow.
    return !key.startsWith("log.") && !key.startsWith("state.");
  }

  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public Value get(String key) {
    return values.get(key);
  }

  public String value(String key) {
    Value v = values.get(key);
    return v == null ? null : v.value();
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public Map<String, Value> all() {
    return java.util.Collections.unmodifiableMap(values);
  }

  /** True for keys whose values must never be logged or printed. */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("jaas") || k.contains("token")
        || k.contains("user.info") || k.endsWith(".key") || k.contains("credentials");
  }

  /** All settings, sorted, secrets masked: what the service prints at start. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(values).forEach((k, v) -> sb.append("  ").append(k).append(" = ")
        .append(isSecret(k) ? "******" : v.value()).append("   (").append(v.source()).append(")\n"));
    return sb.toString();
  }
}
