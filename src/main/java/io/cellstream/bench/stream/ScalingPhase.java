package io.cellstream.bench.stream;

import io.cellstream.bench.stream.BenchContext.Dataset;
import io.cellstream.bench.stream.BenchContext.StateFigures;
import io.cellstream.lstm.LstmKernel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Entity scaling: the LSTM on one thread at every E of {@code --scaling} (the service's state sizing for that E),
 * then, at the largest E, the {@link EngineBaseline} on the very same events: the engine's own rate for a get and
 * a put of a value the size of a real memory, the yardstick of what entity scaling can reach. Headlines:
 * {@code stream lstm/engine-baseline throughput ratio at E=<max>: X} and
 * {@code stream E=<max>/E=<min> throughput ratio: X}.
 */
final class ScalingPhase {

  /** The largest E's run: the state phase measures its variants against it, on its events. */
  record Largest(Dataset data, Deployment.Throughput lstm, StateFigures state, Deployment.Throughput baseline,
      int baselineValueBytes) {}

  /** The smallest E's run, for the engine baseline there too. */
  private record Smallest(Dataset data, double rate, double valueBytes, double cpuMicrosPerEvent) {}

  private ScalingPhase() {}

  static Largest run(BenchContext ctx, LstmKernel kernel, ThroughputPhase.Result main) throws Exception {
    StreamBenchOptions o = ctx.o;
    StreamBenchReport report = ctx.report;
    String sec = "Entity scaling (1 thread, LSTM, W=0)";
    List<Map<String, Object>> js = new ArrayList<>();
    double base = Double.NaN;
    int smallest = o.scaling.stream().mapToInt(Integer::intValue).min().orElseThrow();
    int largest = o.scaling.stream().mapToInt(Integer::intValue).max().orElseThrow();
    Largest top = null;
    Smallest low = null;
    for (int e : o.scaling) {
      Deployment.Throughput t;
      StateFigures s;
      Dataset data;
      long n;
      if (e == o.entities && main.inference() != null) {
        t = main.firstLstm();
        s = main.inference();
        data = main.data();
        n = o.events;
      } else {
        data = ctx.load("scale-" + e, e, o.scalingEvents, false);
        BenchContext.Result r = ctx.throughputRun("lstm-1t-E" + e, data, kernel, 1, 0, false, ctx.serviceDefaults(e), true);
        t = r.throughput();
        s = r.state();
        n = o.scalingEvents;
      }
      if (Double.isNaN(base)) {
        base = t.eventsPerSecond();
      }
      if (e == smallest && low == null) {
        low = new Smallest(data, t.eventsPerSecond(), s.valueBytes(), t.cpuMicrosPerEvent()[0]);
      }
      if (e == largest && top == null) {
        top = new Largest(data, t, s, null, 0);
      }
      report.row(sec, String.format(Locale.ROOT, "E=%,d events/s", e), StreamBenchReport.num(t.eventsPerSecond()),
          String.format(Locale.ROOT, "%.2fx E=%,d; N=%,d after one warm event per entity; %s", t.eventsPerSecond() / base,
              o.scaling.getFirst(), n, ctx.serviceStateSettings(e).describe()));
      report.row(sec, String.format(Locale.ROOT, "E=%,d bytes/entity (value, RocksDB, changelog)", e),
          StreamBenchReport.num(s.valueBytes()) + " / " + StreamBenchReport.num((double) s.rocksDbBytes() / e) + " / "
              + StreamBenchReport.num((double) s.changelogBytes() / e), "as in the state section");
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("entities", e);
      j.put("measuredEvents", n - n / 10);
      j.put("eventsPerSecond", Math.round(t.eventsPerSecond()));
      j.put("relativeToSmallest", StreamBenchReport.round(t.eventsPerSecond() / base, 3));
      j.put("stateStore", ctx.serviceStateSettings(e).json());
      j.put("state", s.json());
      js.add(j);
    }
    report.put("scaling", js);

    // The engine baseline at the largest E, on the same events, with a value of the memory's measured size; and at
    // the smallest, so that the engine's own scaling shows beside the service's.
    int valueBytes = (int) Math.round(top.state().valueBytes());
    Deployment.Throughput b = ctx.baselineRun("baseline-E" + largest, top.data(), valueBytes, ctx.serviceDefaults(largest));
    Deployment.Throughput bLow = smallest == largest ? b : ctx.baselineRun("baseline-E" + smallest, low.data(),
        (int) Math.round(low.valueBytes()), ctx.serviceDefaults(smallest));
    double baselineRatio = top.lstm().eventsPerSecond() / b.eventsPerSecond();
    double scaleRatio = top.lstm().eventsPerSecond() / low.rate();
    double engineScaleRatio = b.eventsPerSecond() / bLow.eventsPerSecond();
    String label = entityLabel(largest);
    String lowLabel = entityLabel(smallest);
    for (var run : smallest == largest ? List.of(Map.entry(largest, b)) : List.of(Map.entry(smallest, bLow), Map.entry(largest, b))) {
      Deployment.Throughput lstmRun = run.getKey() == largest ? top.lstm() : null;
      report.row(sec, String.format(Locale.ROOT, "E=%,d engine baseline events/s", run.getKey()),
          StreamBenchReport.num(run.getValue().eventsPerSecond()),
          String.format(Locale.ROOT, "plain Kafka Streams on the same events: get + put of a memory-sized value per event, "
              + "same store, changelog, EOS, state sizing; stream-thread CPU %.1f us/event%s", run.getValue().cpuMicrosPerEvent()[1],
              lstmRun == null ? "" : String.format(Locale.ROOT, " (LSTM %.1f)", lstmRun.cpuMicrosPerEvent()[1])));
    }
    // The same ratios per second of the process's CPU: wall-clock rates on a shared machine see different shares
    // of the CPU from one run to the next; CPU time per event moves far less.
    double baselineCpuRatio = b.cpuMicrosPerEvent()[0] / top.lstm().cpuMicrosPerEvent()[0];
    report.row(sec, "lstm/engine-baseline at E=" + label, StreamBenchReport.fixed(baselineRatio, 2),
        String.format(Locale.ROOT, "LSTM events/s / engine baseline events/s; aim >= 0.75. Per process CPU second: %.2f "
            + "(%.1f / %.1f us/event)", baselineCpuRatio, b.cpuMicrosPerEvent()[0], top.lstm().cpuMicrosPerEvent()[0]));
    double scaleCpuRatio = low.cpuMicrosPerEvent() / top.lstm().cpuMicrosPerEvent()[0];
    report.row(sec, "E=" + label + "/E=" + lowLabel + " throughput ratio", StreamBenchReport.fixed(scaleRatio, 2),
        String.format(Locale.ROOT, "aim >= 0.5; per process CPU second %.2f; the engine baseline's own E=%s/E=%s: %.2f",
            scaleCpuRatio, label, lowLabel, engineScaleRatio));
    Map<String, Object> bj = new LinkedHashMap<>();
    bj.put("entities", largest);
    bj.put("valueBytes", valueBytes);
    bj.put("eventsPerSecond", Math.round(b.eventsPerSecond()));
    bj.put("streamThreadCpuMicrosPerEvent", StreamBenchReport.round(b.cpuMicrosPerEvent()[1], 2));
    bj.put("lstmEventsPerSecond", Math.round(top.lstm().eventsPerSecond()));
    bj.put("lstmStreamThreadCpuMicrosPerEvent", StreamBenchReport.round(top.lstm().cpuMicrosPerEvent()[1], 2));
    bj.put("ratio", StreamBenchReport.round(baselineRatio, 3));
    bj.put("ratioPerProcessCpu", StreamBenchReport.round(baselineCpuRatio, 3));
    report.put("engineBaseline", bj);
    Map<String, Object> sj = new LinkedHashMap<>();
    sj.put("largest", largest);
    sj.put("smallest", smallest);
    sj.put("ratio", StreamBenchReport.round(scaleRatio, 3));
    sj.put("ratioPerProcessCpu", StreamBenchReport.round(scaleCpuRatio, 3));
    sj.put("engineBaselineRatio", StreamBenchReport.round(engineScaleRatio, 3));
    sj.put("engineBaselineSmallestEventsPerSecond", Math.round(bLow.eventsPerSecond()));
    report.put("scalingRatio", sj);
    report.headline(String.format(Locale.ROOT, "stream lstm/engine-baseline throughput ratio at E=%s: %.2f", label, baselineRatio));
    report.headline(String.format(Locale.ROOT, "stream E=%s/E=%s throughput ratio: %.2f", label, lowLabel, scaleRatio));
    return new Largest(top.data(), top.lstm(), top.state(), b, valueBytes);
  }

  /** 1000 → 1k, 1000000 → 1M, 2500 → 2500: how E reads in the headline lines. */
  static String entityLabel(long e) {
    if (e >= 1_000_000 && e % 1_000_000 == 0) {
      return e / 1_000_000 + "M";
    }
    if (e >= 1_000 && e % 1_000 == 0) {
      return e / 1_000 + "k";
    }
    return Long.toString(e);
  }
}
