package io.cellstream.eval;

import java.util.Locale;
import java.util.Map;

/**
 * Builds a generator from a task name and string options, for command lines: {@code long-lag}
 * (options {@code classes}, {@code lag}, {@code noise}, {@code binary}), {@code adding} ({@code T},
 * {@code encoding} flags|paper, {@code tolerance}), {@code reber} ({@code window}).
 */
public final class Tasks {

  private Tasks() {}

  public static TaskGenerator create(String task, StreamConfig stream, Map<String, String> options) {
    Map<String, String> o = options == null ? Map.of() : options;
    return switch (Benchmark.parse(task)) {
      case LONG_LAG -> {
        LongLagTask.Config d = LongLagTask.Config.DEFAULTS;
        boolean binary = Boolean.parseBoolean(o.getOrDefault("binary", "false"));
        int k = intOpt(o, "classes", binary ? 2 : d.classes());
        yield LongLagTask.generator(stream,
            new LongLagTask.Config(k, intOpt(o, "lag", d.lag()), intOpt(o, "noise", d.noiseDims()), binary));
      }
      case ADDING -> {
        AddingTask.Config d = AddingTask.Config.of(intOpt(o, "T", 100));
        AddingTask.Encoding enc = AddingTask.Encoding.valueOf(
            o.getOrDefault("encoding", d.encoding().name()).toUpperCase(Locale.ROOT));
        double tol = Double.parseDouble(o.getOrDefault("tolerance", String.valueOf(d.tolerance())));
        yield AddingTask.generator(stream, new AddingTask.Config(d.minLength(), d.maxExtra(), enc, tol));
      }
      case REBER -> ReberTask.generator(stream,
          new ReberTask.Config(intOpt(o, "window", ReberTask.Config.DEFAULTS.window())));
      case CUSTOM -> throw new IllegalArgumentException("custom streams have no generator");
    };
  }

  private static int intOpt(Map<String, String> o, String key, int def) {
    String v = o.get(key);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + key + " must be an integer, got '" + v + "'", e);
    }
  }
}
