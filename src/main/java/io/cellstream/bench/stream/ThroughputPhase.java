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
 * Throughput over a backlog at E = {@code --entities}: the LSTM against the pass-through step on one thread and
 * the same events (ABBA after the first pair, so that neither kernel always runs first), optionally on two threads
 * and with a longer commit interval. Its median LSTM rate is the 1-thread maximum the latency phase paces from, and
 * its first LSTM run gives the inference-only state size.
 */
final class ThroughputPhase {

  /** What the later phases take from this one. */
  record Result(Dataset data, double lstmRate, double ratio, Deployment.Throughput firstLstm, StateFigures inference) {}

  private ThroughputPhase() {}

  static Result run(BenchContext ctx, LstmKernel lstm, LstmKernel pass) throws Exception {
    StreamBenchOptions o = ctx.o;
    BenchContext.RunConfig run = ctx.serviceDefaults(o.entities);
    Dataset main = ctx.load("main", o.entities, o.events, false);
    if (o.warmupEvents > 0) {
      // Not reported: the first run in a JVM pays for the JIT (and the broker's first reads); every run after
      // it, LSTM or pass-through, starts equally warm.
      ctx.warmup("warmup", main, lstm, Math.min(o.warmupEvents, o.events));
    }
    List<Deployment.Throughput> lstm1 = new ArrayList<>();
    List<Deployment.Throughput> pass1 = new ArrayList<>();
    StateFigures inference = null;
    for (int r = 0; r < o.repeats; r++) {
      boolean lstmFirst = r % 2 == 0;
      for (int k = 0; k < 2; k++) {
        boolean isLstm = (k == 0) == lstmFirst;
        boolean measureState = isLstm && inference == null;
        BenchContext.Result res = ctx.throughputRun((isLstm ? "lstm" : "pass") + "-1t-" + (r + 1), main,
            isLstm ? lstm : pass, 1, 0, false, run, measureState);
        (isLstm ? lstm1 : pass1).add(res.throughput());
        if (measureState) {
          inference = res.state();
        }
      }
    }
    double lstmRate = BenchContext.median(lstm1.stream().mapToDouble(Deployment.Throughput::eventsPerSecond).toArray());
    double passRate = BenchContext.median(pass1.stream().mapToDouble(Deployment.Throughput::eventsPerSecond).toArray());
    double ratio = lstmRate / passRate;
    // Ratio of each pair, to show the spread.
    List<Double> pairRatios = new ArrayList<>();
    for (int r = 0; r < Math.min(lstm1.size(), pass1.size()); r++) {
      pairRatios.add(StreamBenchReport.round(lstm1.get(r).eventsPerSecond() / pass1.get(r).eventsPerSecond(), 3));
    }

    // Two stream threads.
    boolean threads = o.phases.contains("threads");
    Deployment.Throughput lstm2 = threads ? ctx.throughputRun("lstm-2t", main, lstm, 2, 0, false, run, false).throughput() : null;
    Deployment.Throughput pass2 = threads && o.twoThreadRatio
        ? ctx.throughputRun("pass-2t", main, pass, 2, 0, false, run, false).throughput() : null;

    // A longer commit interval.
    Deployment.Throughput longCommit = threads && o.longCommitMs > 0
        ? ctx.throughputRun("lstm-1t-commit" + o.longCommitMs, main, lstm, 1, 0, false,
            run.withStreams(Map.of("commit.interval.ms", String.valueOf(o.longCommitMs))), false).throughput() : null;

    StreamBenchReport report = ctx.report;
    String guarantee = o.streamsOverrides.getOrDefault("processing.guarantee", "exactly_once_v2");
    String how = String.format(Locale.ROOT, "E=%,d, N=%,d pre-loaded, rate over the last %,d; %s, %d partitions",
        o.entities, o.events, o.events - o.events / 10, guarantee, o.partitions);
    String sec = "Throughput (backlog, H=" + o.hiddenSize + ", D=" + o.inputSize + ", W=0, training off)";
    for (int r = 0; r < lstm1.size(); r++) {
      report.row(sec, "events/s, 1 thread, LSTM, run " + (r + 1), StreamBenchReport.num(lstm1.get(r).eventsPerSecond()), how);
    }
    for (int r = 0; r < pass1.size(); r++) {
      report.row(sec, "events/s, 1 thread, pass-through, run " + (r + 1), StreamBenchReport.num(pass1.get(r).eventsPerSecond()),
          "same events topic, same settings; the step leaves h, c and writes constants");
    }
    report.row(sec, "lstm/pass-through ratio, 1 thread", StreamBenchReport.fixed(ratio, 2),
        "median LSTM rate / median pass-through rate; per pair " + pairRatios);
    if (lstm2 != null) {
      report.row(sec, "events/s, 2 threads, LSTM", StreamBenchReport.num(lstm2.eventsPerSecond()),
          String.format(Locale.ROOT, "num.stream.threads=2; %.2fx one thread", lstm2.eventsPerSecond() / lstmRate));
    }
    if (pass2 != null) {
      report.row(sec, "events/s, 2 threads, pass-through", StreamBenchReport.num(pass2.eventsPerSecond()),
          String.format(Locale.ROOT, "lstm/pass-through on 2 threads %.2f", lstm2.eventsPerSecond() / pass2.eventsPerSecond()));
    }
    if (longCommit != null) {
      report.row(sec, "events/s, 1 thread, LSTM, commit.interval.ms=" + o.longCommitMs,
          StreamBenchReport.num(longCommit.eventsPerSecond()),
          String.format(Locale.ROOT, "%.2fx the default interval (100 ms under EOS)", longCommit.eventsPerSecond() / lstmRate));
    }
    Map<String, Object> tj = report.section("throughput");
    tj.put("entities", o.entities);
    tj.put("measuredEvents", o.events - o.events / 10);
    tj.put("guarantee", guarantee);
    tj.put("stateStore", run.state().json());
    tj.put("lstm1Thread", rates(lstm1));
    tj.put("passthrough1Thread", rates(pass1));
    tj.put("lstm1ThreadMedian", Math.round(lstmRate));
    tj.put("passthrough1ThreadMedian", Math.round(passRate));
    tj.put("ratio1Thread", StreamBenchReport.round(ratio, 3));
    tj.put("ratioPerPair", pairRatios);
    if (lstm2 != null) {
      tj.put("lstm2Threads", Math.round(lstm2.eventsPerSecond()));
    }
    if (pass2 != null) {
      tj.put("passthrough2Threads", Math.round(pass2.eventsPerSecond()));
      tj.put("ratio2Threads", StreamBenchReport.round(lstm2.eventsPerSecond() / pass2.eventsPerSecond(), 3));
    }
    if (longCommit != null) {
      tj.put("lstm1ThreadLongCommit", Map.of("commitIntervalMs", o.longCommitMs, "eventsPerSecond", Math.round(longCommit.eventsPerSecond())));
    }
    return new Result(main, lstmRate, ratio, lstm1.getFirst(), inference);
  }

  private static Map<String, Object> rates(List<Deployment.Throughput> ts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventsPerSecond", ts.stream().map(t -> Math.round(t.eventsPerSecond())).toList());
    m.put("seconds", ts.stream().map(t -> StreamBenchReport.round(t.seconds(), 2)).toList());
    return m;
  }
}
