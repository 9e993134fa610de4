package io.cellstream.bench.stream;

import io.cellstream.bench.stream.BenchContext.Dataset;
import io.cellstream.bench.stream.BenchContext.RunConfig;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.stream.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Event → prediction latency at a fixed share of each delivery mode's own measured 1-thread maximum, for every
 * commit interval asked for: a fresh deployment per run, one warm-up event per entity, then {@link LatencyProbe}
 * paced by the one {@link Pacer}. Each mode ends in a headline line {@code stream <mode> p99 ms at 50% load: X}
 * (from its run at the default commit interval).
 *
 * <p>The maximum is the mode's own because the modes do not cost the same per event: exactly-once's is the
 * throughput phase's median; low-latency's (no record cache on the entity store, linger 0: more and smaller produce
 * requests, a changelog record per event) is measured here on the same events topic, so that "50% load" means half
 * of what the mode under test can do.
 */
final class LatencyPhase {

  /**
   * A way the service delivers predictions, as the latency phase deploys it: its name (in the rows, the JSON and
   * the headline) and how its deployment differs from the default one (Kafka Streams settings, service settings).
   */
  record DeliveryMode(String name, RunConfig run) {}

  /** Exactly-once (the default): a prediction is visible when its transaction commits. */
  static final DeliveryMode EOS = new DeliveryMode("eos", RunConfig.DEFAULT);

  /**
   * cellstream.delivery=low-latency: at-least-once processing with the memory applied once (a prediction is visible
   * when its send completes); the service's settings bring the mode's guarantee, commit interval and linger.
   */
  static final DeliveryMode LOW_LATENCY = new DeliveryMode("low-latency",
      RunConfig.DEFAULT.withSettings(s -> s.withDelivery(Delivery.LOW_LATENCY)));

  /**
   * The modes measured, in order. A second delivery mode is one more entry here, e.g. the low-latency mode of
   * issue 11 as {@code new DeliveryMode("low-latency", RunConfig.DEFAULT.withSettings(s -> s.withDelivery(...)))}
   * or {@code RunConfig.DEFAULT.withStreams(Map.of(...))}: it then gets its rows, its JSON entries and its line
   * {@code stream low-latency p99 ms at 50% load: X}.
   */
  static List<DeliveryMode> modes() {
    return List.of(EOS, LOW_LATENCY);
  }

  private LatencyPhase() {}

  static void run(BenchContext ctx, LstmKernel lstm, ThroughputPhase.Result main) throws Exception {
    StreamBenchOptions o = ctx.o;
    long percent = Math.round(o.loadFraction * 100);
    List<Map<String, Object>> json = new ArrayList<>();
    for (DeliveryMode mode : modes()) {
      double maxRate = mode == EOS ? main.lstmRate() : ctx.throughputRun("lstm-1t-" + mode.name(), main.data(), lstm, 1,
          0, false, mode.run().withState(ctx.serviceStateSettings(o.entities)), false).throughput().eventsPerSecond();
      double rate = o.loadFraction * maxRate;
      if (mode != EOS) {
        ctx.report.row(section(mode, rate, percent), mode.name() + " events/s, 1 thread, LSTM (its maximum)",
            StreamBenchReport.num(maxRate), String.format(Locale.ROOT,
                "measured as the throughput phase measures exactly-once's: %.2fx that", maxRate / main.lstmRate()));
      }
      Double headlineP99 = null;
      for (int commitMs : o.latencyCommitMs) {
        LatencyProbe.Result l = measure(ctx, lstm, mode, rate, commitMs);
        if (headlineP99 == null && commitMs == 0) {
          headlineP99 = l.p99Ms();
        }
        rows(ctx, mode, rate, percent, commitMs, l);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", mode.name());
        j.put("commitIntervalMs", commitMs == 0 ? "default" : commitMs);
        j.put("maxEventsPerSecond", Math.round(maxRate));
        j.put("offeredEventsPerSecond", Math.round(rate));
        j.put("measured", l.measured());
        j.put("missing", l.missing());
        j.put("p50Ms", StreamBenchReport.round(l.p50Ms(), 2));
        j.put("p99Ms", StreamBenchReport.round(l.p99Ms(), 2));
        j.put("p999Ms", StreamBenchReport.round(l.p999Ms(), 2));
        j.put("maxMs", StreamBenchReport.round(l.maxMs(), 2));
        j.put("meanMs", StreamBenchReport.round(l.meanMs(), 2));
        j.put("sendToStepP50Ms", StreamBenchReport.round(l.toStepP50Ms(), 1));
        j.put("sendToStepP99Ms", StreamBenchReport.round(l.toStepP99Ms(), 1));
        json.add(j);
      }
      if (headlineP99 != null) {
        ctx.report.headline(String.format(Locale.ROOT, "stream %s p99 ms at %d%% load: %.1f", mode.name(), percent, headlineP99));
      }
    }
    ctx.report.put("latency", json);
  }

  private static LatencyProbe.Result measure(BenchContext ctx, LstmKernel kernel, DeliveryMode mode, double rate,
      int commitMs) throws Exception {
    StreamBenchOptions o = ctx.o;
    String interval = commitMs == 0 ? "default" : commitMs + "ms";
    String name = "latency-" + (mode == EOS ? "" : mode.name() + "-") + interval;
    Dataset data = ctx.load(name, o.entities, 0, false);
    RunConfig run = mode.run().withState(ctx.serviceStateSettings(o.entities));
    if (commitMs != 0) {
      run = run.withStreams(Map.of("commit.interval.ms", String.valueOf(commitMs)));
    }
    Deployment d = ctx.deployment(name, data, kernel, 1, 0, false, run);
    try (EventWriter paced = new EventWriter(ctx.client, ctx.eventSerde, o.inputSize, 7, true)) {
      d.start(o.partitions);
      d.awaitPredictions(data.warm(), data.warm(), ctx.timeoutFor(data.warm()));
      LatencyProbe.Result l = LatencyProbe.run(paced, data.events(), ctx.client, d.settings.topics().predictions(),
          ctx.serdes.predictions(), data.entities(), rate, o.latencySeconds, 1.0, false, Duration.ofSeconds(30));
      ctx.progress("  %-22s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms at %,.0f events/s (%,d measured, %d missing; "
          + "send -> step p50 %.0f ms, p99 %.0f ms)", name, l.p50Ms(), l.p99Ms(), l.p999Ms(), rate, l.measured(),
          l.missing(), l.toStepP50Ms(), l.toStepP99Ms());
      return l;
    } finally {
      d.close();
      d.deleteState();
    }
  }

  private static String section(DeliveryMode mode, double rate, long percent) {
    return "Latency (paced, " + StreamBenchReport.num(rate) + " events/s = " + percent + "% of the " + mode.name()
        + " 1-thread maximum)";
  }

  private static void rows(BenchContext ctx, DeliveryMode mode, double rate, long percent, int commitMs,
      LatencyProbe.Result l) {
    StreamBenchReport report = ctx.report;
    String interval = commitMs == 0 ? "default" : commitMs + " ms";
    // The exactly-once rows keep their names of before there were modes (docs and the JSON's readers use them).
    String m = mode == EOS ? "" : mode.name() + " ";
    String sec = section(mode, rate, percent);
    String how = String.format(Locale.ROOT, "%s; commit.interval.ms %s; %,d events after 1 s warm-up, %d missing; "
        + "scheduled send -> read_committed poll", mode.name(), interval, l.measured(), l.missing());
    report.row(sec, m + "p50 ms, commit interval " + interval, StreamBenchReport.fixed(l.p50Ms(), 1), how);
    report.row(sec, m + "p99 ms, commit interval " + interval, StreamBenchReport.fixed(l.p99Ms(), 1), "");
    report.row(sec, m + "p99.9 ms, commit interval " + interval, StreamBenchReport.fixed(l.p999Ms(), 1),
        "max " + StreamBenchReport.fixed(l.maxMs(), 1) + " ms, mean " + StreamBenchReport.fixed(l.meanMs(), 1) + " ms");
    report.row(sec, m + "send -> step p50/p99 ms, commit interval " + interval,
        StreamBenchReport.fixed(l.toStepP50Ms(), 0) + " / " + StreamBenchReport.fixed(l.toStepP99Ms(), 0),
        "the part before the step: prediction's predictionTime - send time (wall clock, ms); the rest is the wait for the"
            + " commit (eos) or the send and the fetch (low-latency)");
  }
}
