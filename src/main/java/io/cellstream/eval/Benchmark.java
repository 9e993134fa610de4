package io.cellstream.eval;

import java.util.Locale;

/** The benchmark families this package generates; {@link #CUSTOM} for any other stream (replay, CSV). */
public enum Benchmark {
  LONG_LAG("long-lag"),
  ADDING("adding"),
  REBER("reber"),
  CUSTOM("custom");

  private final String id;

  Benchmark(String id) {
    this.id = id;
  }

  /** The name used on the command line and in reports: {@code long-lag}, {@code adding}, {@code reber}. */
  public String id() {
    return id;
  }

  public static Benchmark parse(String s) {
    String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (Benchmark b : values()) {
      if (b.id.equals(k)) {
        return b;
      }
    }
    throw new IllegalArgumentException("unknown task '" + s + "': use long-lag, adding or reber");
  }
}
