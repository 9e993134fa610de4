package io.cellstream.bench.stream;

import io.cellstream.bench.stream.BenchContext.Dataset;
import io.cellstream.bench.stream.BenchContext.StateFigures;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.stream.ModelVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Training: a run with label window W where every event is labelled inline (events/s with the trainer task on the
 * same thread, the trainer alone draining its backlog, label → model in use at a paced rate), and the trainer task
 * against its own kernel on a backlog of examples ({@code trainer examples/s / kernel BPTT windows/s}). Gives the
 * with-window state size.
 */
final class TrainingPhase {

  private TrainingPhase() {}

  static StateFigures run(BenchContext ctx, LstmKernel kernel) throws Exception {
    StreamBenchOptions o = ctx.o;
    StreamBenchReport report = ctx.report;
    Dataset data = ctx.load("train", o.trainingEntities, o.trainingEvents, true);
    Deployment d = ctx.deployment("train", data, kernel, 1, o.window, true, ctx.serviceDefaults(data.entities()));
    var metrics = d.service().metrics();
    int batch = d.settings.learner().batchSize();
    try {
      d.start(o.partitions);
      long from = data.warm() + data.measured() / 10;
      long to = data.warm() + data.measured();
      // Sample the trainer while the events flow.
      Deployment.Throughput t = d.awaitPredictions(from, to, ctx.timeoutFor(to));
      long endEvents = System.nanoTime();
      double absorbedAtEnd = metrics.examplesTaken();
      double producedAtEnd = metrics.examples();
      // The trainer alone: drain its backlog for at most a few seconds.
      double drainCap = o.quick ? 4 : 20;
      long drainStart = System.nanoTime();
      double absorbedStart = metrics.examplesTaken();
      while ((System.nanoTime() - drainStart) / 1e9 < drainCap && metrics.examples() - metrics.examplesTaken() > 0) {
        d.failIfDead();
        Thread.sleep(20);
      }
      double drainSecs = (System.nanoTime() - drainStart) / 1e9;
      double drained = metrics.examplesTaken() - absorbedStart;
      double backlogLeft = metrics.examples() - metrics.examplesTaken();
      double trainerRate = drainSecs > 0.2 ? drained / drainSecs : Double.NaN;
      double mixedAbsorbedRate = absorbedAtEnd / ((endEvents - drainStart + t.seconds() * 1e9) / 1e9);
      ctx.progress("  %-22s %,9.0f events/s with W=%d and training; trainer absorbed %,.0f of %,.0f examples while events "
          + "flowed, then %,.0f examples/s alone (%.0f left)", "train", t.eventsPerSecond(), o.window, absorbedAtEnd,
          producedAtEnd, trainerRate, backlogLeft);

      // Label -> model: paced labelled events once the trainer has caught up.
      double labelRate = Double.isNaN(trainerRate) ? 200
          : Math.max(50, Math.min(0.5 * trainerRate, 0.5 * t.eventsPerSecond()));
      LabelToModel ltm;
      StateFigures window;
      if (backlogLeft < 1) {
        ltm = labelToModel(ctx, d, data, labelRate);
        window = ctx.stateFigures(d, data.entities());
      } else {
        // The trainer did not catch up with the backlog: a label's wait here would be the queue in front of it,
        // not the loop. Measure label -> model on a fresh deployment whose trainer starts idle.
        window = ctx.stateFigures(d, data.entities());
        ctx.runNotes.add("label -> model measured on a fresh deployment (train-ltm): the training run's trainer still had "
            + Math.round(backlogLeft) + " examples of backlog after the drain phase");
        ltm = labelToModelFresh(ctx, kernel, labelRate);
      }

      String tsec = "Training (W=" + o.window + ", T=" + d.settings.learner().bpttSteps() + ", batch " + batch
          + ", every event labelled inline, 1 thread)";
      report.row(tsec, "events/s with window and training", StreamBenchReport.num(t.eventsPerSecond()),
          String.format(Locale.ROOT, "E=%,d, N=%,d pre-loaded, labelled; the trainer task shares the thread", data.entities(), data.measured()));
      report.row(tsec, "examples/s absorbed by the trainer, alone", StreamBenchReport.num(trainerRate),
          String.format(Locale.ROOT, "Adam updates x batch over %.1f s of draining its backlog after the events", drainSecs));
      report.row(tsec, "examples absorbed while events flowed", StreamBenchReport.num(absorbedAtEnd),
          String.format(Locale.ROOT, "of %,.0f made by the label join", producedAtEnd));
      if (ltm != null) {
        report.row(tsec, "label -> model in use p50 ms", StreamBenchReport.fixed(ltm.p50Ms, 0),
            String.format(Locale.ROOT, "%,.0f labelled events/s paced; scheduled send -> this instance predicts with a "
                + "version whose examplesSeen covers it; publish every %d examples or %d s",
                ltm.rate, d.settings.learner().publishEveryExamples(), d.settings.learner().publishInterval().toSeconds()));
        report.row(tsec, "label -> model in use p99 ms", StreamBenchReport.fixed(ltm.p99Ms, 0),
            String.format(Locale.ROOT, "%,d labels measured, %,d not covered by the end", ltm.measured, ltm.missing));
      }
      Map<String, Object> j = report.section("training");
      j.put("window", o.window);
      j.put("bpttSteps", d.settings.learner().bpttSteps());
      j.put("batchSize", batch);
      j.put("entities", data.entities());
      j.put("events", data.measured());
      j.put("eventsPerSecond", Math.round(t.eventsPerSecond()));
      j.put("examplesMade", Math.round(producedAtEnd));
      j.put("examplesAbsorbedWhileEventsFlowed", Math.round(absorbedAtEnd));
      j.put("mixedAbsorbedPerSecond", Math.round(mixedAbsorbedRate));
      j.put("trainerAloneExamplesPerSecond", Double.isNaN(trainerRate) ? null : Math.round(trainerRate));
      j.put("drainSeconds", StreamBenchReport.round(drainSecs, 2));
      if (ltm != null) {
        j.put("labelToModel", ltm.json());
      }
      return window;
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /**
   * The trainer task alone on a backlog of examples on its topic, then the same examples through the same
   * minibatch trainer in-process: {@code trainer examples/s / kernel BPTT windows/s}.
   */
  static void trainerAgainstKernel(BenchContext ctx, LstmKernel kernel) throws Exception {
    StreamBenchOptions o = ctx.o;
    StreamBenchReport report = ctx.report;
    Dataset none = ctx.load("trainer", 1, 0, true);
    Deployment d = ctx.deployment("trainer", none, kernel, 1, o.window, true, ctx.serviceDefaults(none.entities()));
    LearnerSettings s = d.settings.learner();
    int n = o.quick ? 6_000 : 30_000;
    List<io.cellstream.state.TrainingExample> examples = TrainerThroughput.examples(d.settings.spec(), s.bpttSteps(), n, 17);
    TrainerThroughput.produce(ctx.client, d.settings.topics().trainingExamples(), examples);
    double kernelSeconds = o.quick ? 2 : 5;
    // The kernel before and after the trainer run, so that a change of load on a shared machine shows as spread.
    // Both are also taken per second of CPU of the threads doing the work (the kernel's thread; the trainer
    // deployment's stream thread and its clients' I/O threads, not the in-process broker), which a shared
    // machine's load changes far less than wall-clock rates.
    TrainerThroughput.Rate kernelBefore = TrainerThroughput.kernelWindows(d.settings.spec(), s, kernel, examples, kernelSeconds);
    var metrics = d.service().metrics();
    double trainerRate;
    double trainerCpuRate;
    try {
      d.start(o.partitions);
      // The rate between 10% and 100% of the backlog: start-up and the first rebalance stay outside.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.quick ? 120 : 600);
      long tFrom = -1;
      double fromCount = 0;
      CpuMeter cpu = null;
      while (metrics.examplesTaken() < n) {
        d.failIfDead();
        if (tFrom < 0 && metrics.examplesTaken() >= n / 10.0) {
          tFrom = System.nanoTime();
          fromCount = metrics.examplesTaken();
          cpu = CpuMeter.start(d.applicationId);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("trainer: only " + metrics.examplesTaken() + " of " + n + " examples taken");
        }
        Thread.sleep(5);
      }
      double taken = metrics.examplesTaken() - fromCount;
      trainerRate = taken / ((System.nanoTime() - tFrom) / 1e9);
      CpuMeter.Split split = cpu.stop();
      trainerCpuRate = taken / ((split.streamThreadNanos() + split.appOtherNanos()) / 1e9);
    } finally {
      d.close();
      d.deleteState();
    }
    TrainerThroughput.Rate kernelAfter = TrainerThroughput.kernelWindows(d.settings.spec(), s, kernel, examples, kernelSeconds);
    double kernelRate = (kernelBefore.perWallSecond() + kernelAfter.perWallSecond()) / 2;
    double kernelCpuRate = (kernelBefore.perCpuSecond() + kernelAfter.perCpuSecond()) / 2;
    double ratio = trainerRate / kernelRate;
    double cpuRatio = trainerCpuRate / kernelCpuRate;
    ctx.progress("  %-22s %,9.0f examples/s by the trainer task, %,.0f windows/s by its kernel in-process: ratio %.2f "
        + "(per CPU second: %,.0f / %,.0f = %.2f)", "trainer", trainerRate, kernelRate, ratio, trainerCpuRate,
        kernelCpuRate, cpuRatio);
    String sec = "Trainer (H=" + o.hiddenSize + ", T=" + s.bpttSteps() + ", batch " + s.batchSize() + ", no replay, 1 thread)";
    report.row(sec, "examples/s, trainer task on a backlog", StreamBenchReport.num(trainerRate),
        String.format(Locale.ROOT, "%,d examples pre-loaded on its topic; decode, BPTT + Adam, store, EOS commits; "
            + "%,.0f per CPU second of its threads", n, trainerCpuRate));
    report.row(sec, "windows/s, the same minibatch trainer in-process", StreamBenchReport.num(kernelRate),
        String.format(Locale.ROOT, "the same examples, no Kafka, this thread; mean of %,.0f before and %,.0f after the "
            + "trainer run; %,.0f per CPU second", kernelBefore.perWallSecond(), kernelAfter.perWallSecond(), kernelCpuRate));
    report.row(sec, "trainer/kernel, wall clock", StreamBenchReport.fixed(ratio, 2),
        "on a loaded machine the two rates see different shares of the CPU");
    report.row(sec, "trainer examples/s / kernel BPTT windows/s", StreamBenchReport.fixed(cpuRatio, 2),
        "per CPU second of the threads doing the work (the headline); aim >= 0.5");
    Map<String, Object> j = report.section("trainer");
    j.put("examples", n);
    j.put("bpttSteps", s.bpttSteps());
    j.put("batchSize", s.batchSize());
    j.put("trainerExamplesPerSecond", Math.round(trainerRate));
    j.put("trainerExamplesPerCpuSecond", Math.round(trainerCpuRate));
    j.put("kernelWindowsPerSecond", Math.round(kernelRate));
    j.put("kernelWindowsPerSecondBefore", Math.round(kernelBefore.perWallSecond()));
    j.put("kernelWindowsPerSecondAfter", Math.round(kernelAfter.perWallSecond()));
    j.put("kernelWindowsPerCpuSecond", Math.round(kernelCpuRate));
    j.put("ratioWallClock", StreamBenchReport.round(ratio, 3));
    j.put("ratio", StreamBenchReport.round(cpuRatio, 3));
    report.headline(String.format(Locale.ROOT, "trainer examples/s / kernel BPTT windows/s: %.2f", cpuRatio));
  }

  /** Label -> model on a new deployment: one labelled warm-up event per entity, the trainer drained, then paced labels. */
  private static LabelToModel labelToModelFresh(BenchContext ctx, LstmKernel kernel, double rate) throws Exception {
    StreamBenchOptions o = ctx.o;
    Dataset fresh = ctx.load("train-ltm", o.trainingEntities, 0, true);
    Deployment f = ctx.deployment("train-ltm", fresh, kernel, 1, o.window, true, ctx.serviceDefaults(fresh.entities()));
    try {
      f.start(o.partitions);
      f.awaitPredictions(fresh.warm(), fresh.warm(), ctx.timeoutFor(fresh.warm()));
      var metrics = f.service().metrics();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (metrics.examples() - metrics.examplesTaken() > 0 && System.nanoTime() < deadline) {
        f.failIfDead();
        Thread.sleep(20);
      }
      return labelToModel(ctx, f, fresh, rate);
    } finally {
      f.close();
      f.deleteState();
    }
  }

  record LabelToModel(double rate, long measured, long missing, double p50Ms, double p99Ms, double maxMs) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("labelsPerSecond", Math.round(rate));
      m.put("measured", measured);
      m.put("missing", missing);
      m.put("p50Ms", StreamBenchReport.round(p50Ms, 1));
      m.put("p99Ms", StreamBenchReport.round(p99Ms, 1));
      m.put("maxMs", StreamBenchReport.round(maxMs, 1));
      return m;
    }
  }

  /**
   * Paced labelled events; a watcher records when this instance's model holder takes a version in use and
   * that version's examplesSeen. Label j (the j-th example made in this phase) is covered by the first
   * version with examplesSeen ≥ base + j + 1, where base is the examples made before the phase (all absorbed).
   */
  private static LabelToModel labelToModel(BenchContext ctx, Deployment d, Dataset data, double rate) throws Exception {
    StreamBenchOptions o = ctx.o;
    var holder = d.service().models();
    var metrics = d.service().metrics();
    // Wait for the trainer's last publish of the backlog so that examplesSeen and examples made agree.
    long base = Math.round(metrics.examples());
    List<long[]> versions = new ArrayList<>(); // {nanoTime, examplesSeen}
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread watcher = new Thread(() -> {
      ModelVersion last = null;
      while (!stop.get()) {
        ModelVersion v = holder.current();
        if (v != last && v != null) {
          synchronized (versions) {
            versions.add(new long[] {System.nanoTime(), v.model().examplesSeen()});
          }
          last = v;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(500_000);
      }
    }, "bench-model-watcher");
    watcher.setDaemon(true);
    watcher.start();
    int count = Pacer.count(rate, o.latencySeconds);
    long[] sent = new long[count];
    try (EventWriter paced = new EventWriter(ctx.client, ctx.eventSerde, o.inputSize, 11, true)) {
      var random = paced.random();
      Pacer pacer = new Pacer(rate, 5_000_000);
      for (int i = 0; i < count; i++) {
        sent[i] = pacer.awaitDue(i);
        paced.send(data.events(), random.nextInt(data.entities()), "T" + i, true);
      }
      paced.flush();
    }
    // Wait until the last label is covered, or the publish interval (and then some) passed.
    long deadline = System.nanoTime() + d.settings.learner().publishInterval().toNanos() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      ModelVersion v = holder.current();
      if (v != null && v.model().examplesSeen() >= base + count) {
        break;
      }
      Thread.sleep(20);
    }
    Thread.sleep(5);
    stop.set(true);
    watcher.join(5000);
    long[] lat = new long[count];
    int n = 0;
    long missing = 0;
    List<long[]> vs;
    synchronized (versions) {
      vs = new ArrayList<>(versions);
    }
    for (int j = 0; j < count; j++) {
      long needed = base + j + 1;
      long at = -1;
      for (long[] v : vs) {
        if (v[1] >= needed) {
          at = v[0];
          break;
        }
      }
      if (at < 0) {
        missing++;
      } else {
        lat[n++] = Math.max(0, at - sent[j]);
      }
    }
    long[] l = java.util.Arrays.copyOf(lat, n);
    java.util.Arrays.sort(l);
    LabelToModel r = new LabelToModel(rate, n, missing, LatencyProbe.pct(l, 0.5), LatencyProbe.pct(l, 0.99),
        n == 0 ? Double.NaN : l[n - 1] / 1e6);
    ctx.progress("  %-22s label -> model in use p50 %.0f ms, p99 %.0f ms at %,.0f labels/s (%d not covered)", "train",
        r.p50Ms, r.p99Ms, rate, missing);
    return r;
  }
}
