package io.cellstream.bench.stream;

import io.cellstream.bench.stream.BenchContext.Dataset;
import io.cellstream.bench.stream.BenchContext.RunConfig;
import io.cellstream.bench.stream.BenchContext.StateFigures;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.stream.StateStoreSettings;
import io.cellstream.stream.StreamSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * State per entity, and what each step that makes the state path cheaper is worth.
 *
 * <p>The sizes: the stored value, RocksDB on disk and the changelog per entity, inference only (from the
 * throughput phase) and with a label window (from the training phase).
 *
 * <p>The state path at the largest E of the scaling phase, on its very events, one change at a time:
 * <ol>
 *   <li>Kafka Streams' defaults (what the service ran before: 10 MB record cache, 50 MB block cache per store);</li>
 *   <li>+ {@code CellstreamRocksDbConfig} with the budget's block cache, record cache 10 MB (the service's default
 *       when the memories do not fit half the budget);</li>
 *   <li>+ a budget large enough for the record cache to hold every memory (the service's default when they fit);</li>
 *   <li>the service's default with keep-gates off: a smaller value (3H bytes less), a setting the service has;</li>
 *   <li>a 16-bit h and c, measured on the engine baseline (a value 4H bytes smaller against the full one) and for
 *       its effect on predictions in-process ({@link CompactStateCheck}).</li>
 * </ol>
 */
final class StatePhase {

  private StatePhase() {}

  /** The sizes' rows and JSON (always: they come from the other phases' runs). */
  static void sizes(BenchContext ctx, StateFigures inference, StateFigures window) {
    StreamBenchOptions o = ctx.o;
    String ssec = "State per entity (H=" + o.hiddenSize + ", D=" + o.inputSize + ", gates kept)";
    // Either may be missing (its phase did not run).
    Map<String, StateFigures> figures = new LinkedHashMap<>();
    figures.put("inference only (W=0)", inference);
    figures.put("with window W=" + o.window, window);
    for (var e : figures.entrySet()) {
      StateFigures s = e.getValue();
      if (s == null) {
        continue;
      }
      ctx.report.row(ssec, e.getKey() + ": stored value bytes", StreamBenchReport.num(s.valueBytes()),
          "mean of up to 200 entities' values, by interactive query");
      ctx.report.row(ssec, e.getKey() + ": RocksDB bytes/entity", StreamBenchReport.num((double) s.rocksDbBytes() / s.entities()),
          String.format(Locale.ROOT, "all files of the entity-state stores under state.dir after close / E=%,d", s.entities()));
      ctx.report.row(ssec, e.getKey() + ": changelog bytes/entity", StreamBenchReport.num((double) s.changelogBytes() / s.entities()),
          String.format(Locale.ROOT, "changelog topic size on the broker / E (%,d records incl. txn markers, not compacted yet)",
              s.changelogRecords()));
    }
    Map<String, Object> j = ctx.report.section("state");
    if (inference != null) {
      j.put("inferenceOnly", inference.json());
    }
    if (window != null) {
      j.put("window" + o.window, window.json());
    }
  }

  /** The state path's variants at the largest E (see the class comment). */
  static void path(BenchContext ctx, LstmKernel lstm, ScalingPhase.Largest largest) throws Exception {
    StreamBenchOptions o = ctx.o;
    Dataset data = largest.data();
    int e = data.entities();
    String label = ScalingPhase.entityLabel(e);
    StateStoreSettings service = ctx.serviceStateSettings(e);
    String sec = String.format(Locale.ROOT, "State path at E=%,d (1 thread, LSTM, W=0; one change per row)", e);
    List<Map<String, Object>> js = new ArrayList<>();

    // One change per row. A variant whose settings are the service's own at this E is the scaling phase's run (the
    // same events, the same settings), not a second one.
    record Variant(String key, String what, RunConfig run) {}
    StateStoreSettings setterOnly = service.withRecordCacheBytes(StateStoreSettings.derive(service.memoryBudgetBytes(), 0,
        service.entityValueBytes()).recordCacheBytes()); // Kafka Streams' 10 MB (or the least the budget gives)
    StateStoreSettings all = sizedForAll(service);
    List<Variant> variants = new ArrayList<>(List.of(
        new Variant("kafkaStreamsDefaults", "Kafka Streams' defaults (before)", RunConfig.DEFAULT),
        new Variant("rocksDbConfig", "+ RocksDB config setter, budget to the block cache, 10 MB record cache",
            RunConfig.DEFAULT.withState(setterOnly)),
        new Variant("recordCacheForAll", "+ a budget whose record cache holds every memory",
            RunConfig.DEFAULT.withState(all)),
        new Variant("keepGatesOff", "service defaults, keep-gates off (3H bytes less per memory)",
            ctx.serviceDefaults(e).withSettings(StatePhase::withoutGates))));
    double before = Double.NaN;
    for (Variant v : variants) {
      boolean isService = v.run().state().equals(service) && !v.key().equals("keepGatesOff");
      Deployment.Throughput t = isService ? largest.lstm()
          : ctx.throughputRun("state-" + v.key() + "-E" + label, data, lstm, 1, 0, false, v.run(), false).throughput();
      if (Double.isNaN(before)) {
        before = t.eventsPerSecond();
      }
      row(ctx, sec, js, v.key(), v.what() + (isService ? " = service default" : ""), t, before,
          v.run().state().describe() + (isService ? "; the scaling phase's run" : ""));
    }

    // 16 bits for h and c: what a smaller value is worth on the state path alone, and what it does to predictions.
    int full = largest.baselineValueBytes();
    int compact = full - 4 * o.hiddenSize;
    Deployment.Throughput small = ctx.baselineRun("baseline-16bit-E" + label, data, compact, ctx.serviceDefaults(e));
    double gain = small.eventsPerSecond() / largest.baseline().eventsPerSecond();
    ctx.report.row(sec, String.format(Locale.ROOT, "engine baseline, %,d-byte value (16-bit h, c)", compact),
        StreamBenchReport.num(small.eventsPerSecond()),
        String.format(Locale.ROOT, "%.2fx the %,d-byte value's %,.0f events/s (scaling phase); stream-thread CPU %.1f vs %.1f us/event",
            gain, full, largest.baseline().eventsPerSecond(), small.cpuMicrosPerEvent()[1], largest.baseline().cpuMicrosPerEvent()[1]));
    Map<String, Object> cj = new LinkedHashMap<>();
    cj.put("valueBytes", compact);
    cj.put("fullValueBytes", full);
    cj.put("baselineEventsPerSecond", Math.round(small.eventsPerSecond()));
    cj.put("fullBaselineEventsPerSecond", Math.round(largest.baseline().eventsPerSecond()));
    cj.put("gain", StreamBenchReport.round(gain, 3));
    List<Map<String, Object>> drift = new ArrayList<>();
    int entities = o.quick ? 20 : 100;
    int steps = o.quick ? 500 : 2_000;
    for (CompactStateCheck.Result r : CompactStateCheck.run(ctx.spec(), io.cellstream.learn.LearnerSettings.DEFAULTS.forgetBias(),
        lstm, entities, steps, 5)) {
      ctx.report.row(sec, String.format(Locale.ROOT, "%s: max |p - p32|, weights x%.0f", CompactStateCheck.describe(r.encoding()), r.weightScale()),
          String.format(Locale.ROOT, "%.1e", r.maxAbsDiff()),
          String.format(Locale.ROOT, "mean %.1e, %d decisions of %,d flipped; %d entities x %,d steps, rounded after every "
              + "step; tolerance %.0e: %s", r.meanAbsDiff(), r.decisionFlips(), r.predictions(), r.entities(), r.steps(),
              CompactStateCheck.TOLERANCE, r.maxAbsDiff() <= CompactStateCheck.TOLERANCE ? "within" : "outside"));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("encoding", r.encoding());
      m.put("weightScale", r.weightScale());
      m.put("maxAbsDiff", r.maxAbsDiff());
      m.put("meanAbsDiff", r.meanAbsDiff());
      m.put("decisionFlips", r.decisionFlips());
      m.put("predictions", r.predictions());
      drift.add(m);
    }
    cj.put("tolerance", CompactStateCheck.TOLERANCE);
    cj.put("predictionDrift", drift);
    Map<String, Object> j = ctx.report.section("statePath");
    j.put("entities", e);
    j.put("variants", js);
    j.put("compact16BitState", cj);
  }

  private static void row(BenchContext ctx, String sec, List<Map<String, Object>> js, String key, String what,
      Deployment.Throughput t, double before, String how) {
    double[] cpu = t.cpuMicrosPerEvent();
    ctx.report.row(sec, what, StreamBenchReport.num(t.eventsPerSecond()),
        String.format(Locale.ROOT, "%.2fx the defaults; stream-thread CPU %.1f us/event, process %.1f; %s",
            t.eventsPerSecond() / before, cpu[1], cpu[0], how));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("variant", key);
    m.put("eventsPerSecond", Math.round(t.eventsPerSecond()));
    m.put("relativeToDefaults", StreamBenchReport.round(t.eventsPerSecond() / before, 3));
    m.put("streamThreadCpuMicrosPerEvent", StreamBenchReport.round(cpu[1], 2));
    m.put("processCpuMicrosPerEvent", StreamBenchReport.round(cpu[0], 2));
    js.add(m);
  }

  /** A budget whose record-cache half holds every entity's memory (rounded up to 256 MB). */
  static StateStoreSettings sizedForAll(StateStoreSettings s) {
    long workingSet = s.expectedEntities() * (s.entityValueBytes() + (long) StateStoreSettings.CACHE_ENTRY_OVERHEAD_BYTES);
    long quantum = 256L << 20;
    long budget = Math.max(s.memoryBudgetBytes(), (2 * workingSet + quantum - 1) / quantum * quantum);
    return StateStoreSettings.derive(budget, s.expectedEntities(), s.entityValueBytes());
  }

  private static StreamSettings withoutGates(StreamSettings s) {
    return new StreamSettings(s.topics(), s.modelName(), s.spec(), s.learner(), s.trainingEnabled(), s.input(),
        s.holding(), s.maxStateBytes(), false, s.mapping(), s.delivery());
  }
}
