package io.cellstream.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects snapshots of a {@link MetricSet} into {@link Curve}s. Not thread-safe. */
final class CurveRecorder {

  private long[] events = new long[64];
  private long[] scored = new long[64];
  private final Map<String, double[][]> values = new LinkedHashMap<>(); // key -> {cumulative, window}
  private int n;

  /**
   * Keeps every other point when a curve has grown too long: the 2nd, 4th, … — with points taken every M
   * scored pairs those are the multiples of 2M, the new spacing.
   */
  void halve() {
    int m = 0;
    for (int i = 1; i < n; i += 2) {
      events[m] = events[i];
      scored[m] = scored[i];
      for (double[][] v : values.values()) {
        v[0][m] = v[0][i];
        v[1][m] = v[1][i];
      }
      m++;
    }
    n = m;
  }

  int size() {
    return n;
  }

  void snapshot(long eventsSeen, MetricSet metrics) {
    if (n > 0 && scored[n - 1] == metrics.scored()) {
      return; // nothing new since the last point
    }
    if (n == events.length) {
      events = Arrays.copyOf(events, 2 * n);
      scored = Arrays.copyOf(scored, 2 * n);
      for (double[][] v : values.values()) {
        v[0] = Arrays.copyOf(v[0], 2 * n);
        v[1] = Arrays.copyOf(v[1], 2 * n);
      }
    }
    events[n] = eventsSeen;
    scored[n] = metrics.scored();
    for (MetricValue m : metrics.values()) {
      double[][] v = values.computeIfAbsent(m.key(), k -> {
        double[][] a = {new double[events.length], new double[events.length]};
        Arrays.fill(a[0], Double.NaN);
        Arrays.fill(a[1], Double.NaN);
        return a;
      });
      v[0][n] = m.cumulative();
      v[1][n] = m.window();
    }
    n++;
  }

  List<Curve> curves() {
    List<Curve> out = new ArrayList<>();
    for (Map.Entry<String, double[][]> e : values.entrySet()) {
      out.add(new Curve(e.getKey(), Arrays.copyOf(events, n), Arrays.copyOf(scored, n),
          Arrays.copyOf(e.getValue()[0], n), Arrays.copyOf(e.getValue()[1], n)));
    }
    return out;
  }
}
