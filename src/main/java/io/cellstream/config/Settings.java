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
 * <p>Environment names: {@code cellstream.model.hidden-size} is {@code CELLSTREAM_MODEL_HIDDEN_SIZE},
 * {@code bootstrap.servers} is {@code CELLSTREAM_BOOTSTRAP_SERVERS} (every documented key: {@code CELLSTREAM_}
 * and the key in capitals); any other Kafka client or Streams setting {@code a.b.c} is
 * {@code CELLSTREAM_KAFKA_A_B_C}. Appending {@code _FILE} reads the value from the file it names. A key ending in
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
   * Adds environment variables: {@code CELLSTREAM_<KEY>} for the documented keys ({@link #envName}), and
   * {@code CELLSTREAM_<KEY>_FILE} for the same key read from a file (e.g. {@code CELLSTREAM_ADMIN_TOKEN_FILE}).
   * Documented keys are matched against {@code knownKeys} (so that '-' and '.' map back unambiguously); any
   * other {@code CELLSTREAM_KAFKA_A_B_C} becomes the Kafka setting {@code a.b.c} (and
   * {@code CELLSTREAM_KAFKA_A_B_C_FILE} reads it from a file). Where both name one key, the documented name wins.
   * Variables without the {@code CELLSTREAM_} prefix are never read.
   */
  public Settings withEnvironment(Map<String, String> env, Iterable<String> knownKeys) {
    Map<String, String> byEnvName = new TreeMap<>();
    for (String k : knownKeys) {
      byEnvName.put(envName(k), k);
      byEnvName.put(envName(k) + "_FILE", k + ".file");
    }
    // Generic Kafka names first, so that the documented names, applied second, win.
    for (var e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length() && !byEnvName.containsKey(name)) {
        String key = name.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        values.put(key, new Value(e.getValue(), "environment " + name));
      }
    }
    for (var e : new TreeMap<>(env).entrySet()) {
      String key = byEnvName.get(e.getKey());
      if (key != null) {
        values.put(key, new Value(e.getValue(), "environment " + e.getKey()));
      }
    }
    return this;
  }

  private static final String KAFKA_ENV_PREFIX = "CELLSTREAM_KAFKA_";

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

  /**
   * The environment variable of a documented key: {@code cellstream.model.hidden-size} is
   * {@code CELLSTREAM_MODEL_HIDDEN_SIZE}, {@code bootstrap.servers} is {@code CELLSTREAM_BOOTSTRAP_SERVERS}.
   */
  public static String envName(String key) {
    String k = key.startsWith("cellstream.") ? key : "cellstream." + key;
    return k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
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

  /** All settings, sorted, secrets masked (and passwords in URLs): what the service prints at start. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(values).forEach((k, v) -> sb.append("  ").append(k).append(" = ")
        .append(isSecret(k) ? "******" : redactUrl(v.value())).append("   (").append(v.source()).append(")\n"));
    return sb.toString();
  }

  private static final java.util.regex.Pattern URL_USER_INFO = java.util.regex.Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]+@");

  /** Replaces the user-info of any URL in {@code s} ({@code https://user:pass@host} to {@code https://******@host}). */
  public static String redactUrl(String s) {
    return s == null ? null : URL_USER_INFO.matcher(s).replaceAll("$1******@");
  }
}
