package io.cellstream.bench.stream;

import io.cellstream.avro.Event;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.ModelVersion;
import io.cellstream.stream.Delivery;
import io.cellstream.stream.StreamSettings;
import io.cellstream.util.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * {@code bench stream}: the whole service on a broker, measured. Every figure comes from this one run, so the
 * ratios (LSTM against pass-through, 2 threads against 1, 1M entities against 1k) share the machine's noise.
 *
 * <p>Each measurement is a separate {@link Deployment} (own application id, state directory and output
 * topics) of the real {@code CellstreamService}; runs that compare kernels read the very same events topic.
 * Events are pre-loaded with the current time as timestamp; a run starts at the beginning of the topic and
 * its rate is taken over the measured part only (after one warm-up event per entity and a tenth of N).
 */
public final class StreamBenchmark {

  private final StreamBenchOptions o;
  private final PrintWriter log;
  private final StreamBenchReport report = new StreamBenchReport();
  private final String prefix;
  private final List<String> runNotes = new ArrayList<>();
  private Map<String, Object> client;
  private CellstreamSerdes serdes;
  private AvroSerde<Event> eventSerde;
  private Admin admin;
  private int runs;
  private final long started = System.nanoTime();

  private StreamBenchmark(StreamBenchOptions o, PrintWriter log) {
    this.o = o;
    this.log = log;
    this.prefix = "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  }

  /** Runs everything {@code options} asks for; progress goes to {@code log}. */
  public static StreamBenchReport run(StreamBenchOptions options, PrintWriter log) throws Exception {
    return new StreamBenchmark(options, log).run();
  }

  private StreamBenchReport run() throws Exception {
    Files.createDirectories(o.workDir);
    EmbeddedStack stack = null;
    SchemaRegistryClient registry = null;
    try {
      if (o.external()) {
        client = new LinkedHashMap<>();
        client.put("bootstrap.servers", o.bootstrapServers);
        progress("using Kafka at %s and the registry at %s", o.bootstrapServers, o.schemaRegistryUrl);
        registry = new SchemaRegistryClient(o.schemaRegistryUrl);
      } else {
        progress("starting the in-process Kafka broker and schema registry (127.0.0.1) ...");
        stack = EmbeddedStack.start(o.workDir.resolve("stack"));
        client = new LinkedHashMap<>();
        client.put("bootstrap.servers", stack.bootstrapServers());
        registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        progress("  Kafka %s, registry %s", stack.bootstrapServers(), stack.schemaRegistryUrl());
      }
      serdes = CellstreamSerdes.using(registry);
      eventSerde = serdes.events();
      admin = Admin.create(Map.of("bootstrap.servers", client.get("bootstrap.servers")));
      describe();
      measure();
      report.put("seconds", StreamBenchReport.round((System.nanoTime() - started) / 1e9, 1));
      return report;
    } finally {
      if (admin != null) {
        if (o.external()) {
          deleteTopics();
        }
        admin.close();
      }
      if (registry != null) {
        registry.close();
      }
      if (stack != null) {
        progress("stopping the in-process broker and registry ...");
        stack.close();
      }
      FileTrees.deleteTree(o.workDir.resolve("state"));
      FileTrees.deleteTree(o.workDir.resolve("stack"));
    }
  }

  // ------------------------------------------------------------------ the plan

  private void measure() throws Exception {
    ModelSpec spec = spec();
    LstmKernel lstm = LstmKernels.get();
    LstmKernel pass = new PassThroughKernel(lstm);

    // 1. Throughput on one thread, LSTM against pass-through, on the same events (ABBA after the first pair).
    Dataset main = load("main", o.entities, o.events, false);
    if (o.warmupEvents > 0) {
      // Not reported: the first run in a JVM pays for the JIT (and the broker's first reads); every run after
      // it, LSTM or pass-through, starts equally warm.
      warmup("warmup", main, lstm, Math.min(o.warmupEvents, o.events));
    }
    List<Deployment.Throughput> lstm1 = new ArrayList<>();
    List<Deployment.Throughput> pass1 = new ArrayList<>();
    StateFigures inference = null;
    for (int r = 0; r < o.repeats; r++) {
      boolean lstmFirst = r % 2 == 0;
      for (int k = 0; k < 2; k++) {
        boolean isLstm = (k == 0) == lstmFirst;
        boolean measureState = isLstm && inference == null;
        Result res = throughputRun((isLstm ? "lstm" : "pass") + "-1t-" + (r + 1), main, isLstm ? lstm : pass, 1,
            0, false, Map.of(), measureState);
        (isLstm ? lstm1 : pass1).add(res.throughput);
        if (measureState) {
          inference = res.state;
        }
      }
    }
    double lstmRate = median(lstm1.stream().mapToDouble(Deployment.Throughput::eventsPerSecond).toArray());
    double passRate = median(pass1.stream().mapToDouble(Deployment.Throughput::eventsPerSecond).toArray());
    double ratio = lstmRate / passRate;
    // Ratio of each pair, to show the spread.
    List<Double> pairRatios = new ArrayList<>();
    for (int r = 0; r < Math.min(lstm1.size(), pass1.size()); r++) {
      pairRatios.add(StreamBenchReport.round(lstm1.get(r).eventsPerSecond() / pass1.get(r).eventsPerSecond(), 3));
    }

    // 2. Two stream threads.
    boolean threads = o.phases.contains("threads");
    Deployment.Throughput lstm2 = threads ? throughputRun("lstm-2t", main, lstm, 2, 0, false, Map.of(), false).throughput : null;
    Deployment.Throughput pass2 = threads && o.twoThreadRatio
        ? throughputRun("pass-2t", main, pass, 2, 0, false, Map.of(), false).throughput : null;

    // 3. A longer commit interval.
    Deployment.Throughput longCommit = threads && o.longCommitMs > 0
        ? throughputRun("lstm-1t-commit" + o.longCommitMs, main, lstm, 1, 0, false,
            Map.of("commit.interval.ms", String.valueOf(o.longCommitMs)), false).throughput : null;

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

    // 4. Latency at a fixed share of the measured maximum.
    double rate = o.loadFraction * lstmRate;
    List<Map<String, Object>> latJson = new ArrayList<>();
    // Each delivery mode at the same rate; its headline from its run at the default commit interval (the mode's).
    for (Delivery delivery : o.phases.contains("latency") ? List.of(Delivery.EXACTLY_ONCE, Delivery.LOW_LATENCY) : List.<Delivery>of()) {
      String mode = delivery.lowLatency() ? "low-latency" : "eos";
      Double headlineP99 = null;
      for (int commitMs : o.latencyCommitMs) {
        LatencyProbe.Result l = latencyRun(lstm, rate, commitMs, delivery);
        if (commitMs == 0 && headlineP99 == null) {
          headlineP99 = l.p99Ms();
        }
        String interval = (commitMs == 0 ? "default" : commitMs + " ms") + ", " + mode;
        String lsec = "Latency (paced, " + StreamBenchReport.num(rate) + " events/s = " + Math.round(o.loadFraction * 100)
            + "% of the 1-thread maximum)";
        String lhow = String.format(Locale.ROOT, "commit.interval.ms %s; %,d events after 1 s warm-up, %d missing; "
            + "scheduled send -> read_committed poll", interval, l.measured(), l.missing());
        report.row(lsec, "p50 ms, commit interval " + interval, StreamBenchReport.fixed(l.p50Ms(), 1), lhow);
        report.row(lsec, "p99 ms, commit interval " + interval, StreamBenchReport.fixed(l.p99Ms(), 1), "");
        report.row(lsec, "p99.9 ms, commit interval " + interval, StreamBenchReport.fixed(l.p999Ms(), 1),
            "max " + StreamBenchReport.fixed(l.maxMs(), 1) + " ms, mean " + StreamBenchReport.fixed(l.meanMs(), 1) + " ms");
        report.row(lsec, "send -> step p50/p99 ms, commit interval " + interval,
            StreamBenchReport.fixed(l.toStepP50Ms(), 0) + " / " + StreamBenchReport.fixed(l.toStepP99Ms(), 0),
            "the part before the step: prediction's predictionTime - send time (wall clock, ms); the rest is the wait for the"
                + " commit (eos) or the send and the fetch (low-latency)");
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", mode);
        j.put("commitIntervalMs", commitMs == 0 ? "default" : commitMs);
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
        latJson.add(j);
      }
      if (headlineP99 != null) {
        report.headline(String.format(Locale.ROOT, "stream %s p99 ms at %d%% load: %.1f", mode,
            Math.round(o.loadFraction * 100), headlineP99));
      }
    }
    report.put("latency", latJson);

    // 5. Training: window W, every event labelled.
    if (o.phases.contains("training")) {
      training(lstm, inference);
    } else {
      stateRows(inference, null);
    }

    // 5b. The trainer against its own kernel.
    if (o.phases.contains("training")) {
      trainerAgainstKernel(lstm);
    }

    // 6. Entity scaling.
    if (o.phases.contains("scaling")) {
      scaling(lstm, lstm1.getFirst(), inference);
    }

    report.ratio(ratio, o.hiddenSize);
    report.put("notes", runNotes);
  }

  // ------------------------------------------------------------------ runs

  private record Result(Deployment.Throughput throughput, StateFigures state) {}

  /** State per entity: stored value, RocksDB on disk, changelog on the broker. */
  record StateFigures(int entities, double valueBytes, long rocksDbBytes, long changelogBytes, long changelogRecords) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("entities", entities);
      m.put("valueBytesPerEntity", StreamBenchReport.round(valueBytes, 1));
      m.put("rocksDbBytes", rocksDbBytes);
      m.put("rocksDbBytesPerEntity", StreamBenchReport.round((double) rocksDbBytes / entities, 1));
      m.put("changelogBytes", changelogBytes);
      m.put("changelogRecords", changelogRecords);
      m.put("changelogBytesPerEntity", StreamBenchReport.round((double) changelogBytes / entities, 1));
      return m;
    }
  }

  private Result throughputRun(String name, Dataset data, LstmKernel kernel, int threads, int window, boolean training,
      Map<String, String> extra, boolean measureState) throws Exception {
    Deployment d = deployment(name, data, kernel, threads, window, training, extra);
    try {
      d.start(o.partitions);
      long from = data.warm + data.measured / 10;
      long to = data.warm + data.measured;
      Deployment.Throughput t = d.awaitPredictions(from, to, timeoutFor(data.warm + data.measured));
      double[] cpu = t.cpuMicrosPerEvent();
      progress("  %-22s %,9.0f events/s (%,d events in %.1f s; first prediction after %.1f s); CPU us/event: "
          + "process %.1f = stream thread %.1f + app I/O %.1f + broker/GC/JIT/other %.1f; JIT %d ms, GC %d ms", name,
          t.eventsPerSecond(), t.events(), t.seconds(), t.startupSeconds(), cpu[0], cpu[1], cpu[2], cpu[3],
          t.cpu().jitMillis(), t.cpu().gcMillis());
      StateFigures state = measureState ? stateFigures(d, data.entities) : null;
      return new Result(t, state);
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /**
   * Runs the service over the main events in chunks until the process's CPU time per event settles (two
   * chunks in a row within 10%) or {@code events} ran: the JIT compiles the broker's and Kafka Streams' paths
   * for a long while, and a measurement taken before that is over compares the JIT, not the step.
   */
  private void warmup(String name, Dataset data, LstmKernel kernel, long events) throws Exception {
    Deployment d = deployment(name, data, kernel, 1, 0, false, Map.of());
    try {
      d.start(o.partitions);
      long chunk = Math.max(5_000, Math.min(20_000, events / 6));
      long at = 0;
      double last = Double.NaN;
      List<String> seen = new ArrayList<>();
      while (at + chunk <= data.warm + events) {
        Deployment.Throughput t = d.awaitPredictions(at, at + chunk, timeoutFor(chunk));
        double cpu = t.cpuMicrosPerEvent()[0];
        // The compiler threads' share of the chunk: while the JIT still compiles for most of a chunk, the next
        // measured run would pay for it (and the first of a pair more than the second).
        double jitShare = t.cpu() == null ? 0 : t.cpu().jitMillis() / (t.seconds() * 1000);
        seen.add(String.format(Locale.ROOT, "%.0f (JIT %.0f%%)", cpu, 100 * jitShare));
        at += chunk;
        if (at > data.warm && Math.abs(cpu - last) <= 0.10 * last && jitShare <= 0.25) {
          break;
        }
        last = cpu;
      }
      progress("  %-22s %,d events; process CPU us/event (JIT time / wall time) per chunk of %,d: %s (not reported)", name, at, chunk,
          String.join(", ", seen));
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /** Value bytes through an interactive query, then close, then RocksDB files and the changelog's size. */
  private StateFigures stateFigures(Deployment d, int entities) throws InterruptedException {
    List<String> sample = new ArrayList<>();
    for (int i = 0; i < Math.min(entities, 200); i++) {
      sample.add(EventWriter.entityId((int) ((long) i * entities / Math.min(entities, 200))));
    }
    double value = d.meanValueBytes(sample);
    d.close();
    long rocks = d.rocksDbBytes();
    StateSizes.TopicSize changelog = StateSizes.topicSize(admin, d.changelogTopic());
    return new StateFigures(entities, value, rocks, changelog.bytes(), changelog.offsets());
  }

  private LatencyProbe.Result latencyRun(LstmKernel kernel, double rate, int commitMs, Delivery delivery) throws Exception {
    String name = "latency-" + (delivery.lowLatency() ? "ll-" : "") + (commitMs == 0 ? "default" : commitMs + "ms");
    Dataset data = load(name, o.entities, 0, false);
    Map<String, String> extra = new LinkedHashMap<>();
    if (commitMs != 0) {
      extra.put("commit.interval.ms", String.valueOf(commitMs));
    }
    extra.put("processing.guarantee", delivery.mode().processingGuarantee()); // the mode's (deployment() reads it)
    Deployment d = deployment(name, data, kernel, 1, 0, false, extra);
    try (EventWriter paced = new EventWriter(client, eventSerde, o.inputSize, 7, true)) {
      d.start(o.partitions);
      d.awaitPredictions(data.warm, data.warm, timeoutFor(data.warm));
      LatencyProbe.Result l = LatencyProbe.run(paced, data.events, client, d.settings.topics().predictions(),
          serdes.predictions(), data.entities, rate, o.latencySeconds, 1.0, false, Duration.ofSeconds(30));
      progress("  %-22s p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms at %,.0f events/s (%,d measured, %d missing; "
          + "send -> step p50 %.0f ms, p99 %.0f ms)", name, l.p50Ms(), l.p99Ms(), l.p999Ms(), rate, l.measured(),
          l.missing(), l.toStepP50Ms(), l.toStepP99Ms());
      return l;
    } finally {
      d.close();
      d.deleteState();
    }
  }

  private void training(LstmKernel kernel, StateFigures inference) throws Exception {
    Dataset data = load("train", o.trainingEntities, o.trainingEvents, true);
    Deployment d = deployment("train", data, kernel, 1, o.window, true, Map.of());
    var metrics = d.service().metrics();
    int batch = d.settings.learner().batchSize();
    try {
      d.start(o.partitions);
      long from = data.warm + data.measured / 10;
      long to = data.warm + data.measured;
      // Sample the trainer while the events flow.
      Deployment.Throughput t = d.awaitPredictions(from, to, timeoutFor(to));
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
      progress("  %-22s %,9.0f events/s with W=%d and training; trainer absorbed %,.0f of %,.0f examples while events "
          + "flowed, then %,.0f examples/s alone (%.0f left)", "train", t.eventsPerSecond(), o.window, absorbedAtEnd,
          producedAtEnd, trainerRate, backlogLeft);

      // Label -> model: paced labelled events once the trainer has caught up.
      double labelRate = Double.isNaN(trainerRate) ? 200
          : Math.max(50, Math.min(0.5 * trainerRate, 0.5 * t.eventsPerSecond()));
      LabelToModel ltm;
      StateFigures window;
      if (backlogLeft < 1) {
        ltm = labelToModel(d, data, labelRate);
        window = stateFigures(d, data.entities);
      } else {
        // The trainer did not catch up with the backlog: a label's wait here would be the queue in front of it,
        // not the loop. Measure label -> model on a fresh deployment whose trainer starts idle.
        window = stateFigures(d, data.entities);
        runNotes.add("label -> model measured on a fresh deployment (train-ltm): the training run's trainer still had "
            + Math.round(backlogLeft) + " examples of backlog after the drain phase");
        ltm = labelToModelFresh(kernel, labelRate, batch);
      }

      String tsec = "Training (W=" + o.window + ", T=" + d.settings.learner().bpttSteps() + ", batch " + batch
          + ", every event labelled inline, 1 thread)";
      report.row(tsec, "events/s with window and training", StreamBenchReport.num(t.eventsPerSecond()),
          String.format(Locale.ROOT, "E=%,d, N=%,d pre-loaded, labelled; the trainer task shares the thread", data.entities, data.measured));
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
      j.put("entities", data.entities);
      j.put("events", data.measured);
      j.put("eventsPerSecond", Math.round(t.eventsPerSecond()));
      j.put("examplesMade", Math.round(producedAtEnd));
      j.put("examplesAbsorbedWhileEventsFlowed", Math.round(absorbedAtEnd));
      j.put("mixedAbsorbedPerSecond", Math.round(mixedAbsorbedRate));
      j.put("trainerAloneExamplesPerSecond", Double.isNaN(trainerRate) ? null : Math.round(trainerRate));
      j.put("drainSeconds", StreamBenchReport.round(drainSecs, 2));
      if (ltm != null) {
        j.put("labelToModel", ltm.json());
      }
      stateRows(inference, window);
    } finally {
      d.close();
      d.deleteState();
    }
  }

  /**
   * The trainer task alone on a backlog of examples on its topic, then the same examples through the same
   * minibatch trainer in-process: {@code trainer examples/s / kernel BPTT windows/s}.
   */
  private void trainerAgainstKernel(LstmKernel kernel) throws Exception {
    Dataset none = load("trainer", 1, 0, true);
    Deployment d = deployment("trainer", none, kernel, 1, o.window, true, Map.of());
    LearnerSettings s = d.settings.learner();
    int n = o.quick ? 6_000 : 30_000;
    List<io.cellstream.state.TrainingExample> examples = TrainerThroughput.examples(d.settings.spec(), s.bpttSteps(), n, 17);
    TrainerThroughput.produce(client, d.settings.topics().trainingExamples(), examples);
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
    progress("  %-22s %,9.0f examples/s by the trainer task, %,.0f windows/s by its kernel in-process: ratio %.2f "
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
  private LabelToModel labelToModelFresh(LstmKernel kernel, double rate, int batch) throws Exception {
    Dataset fresh = load("train-ltm", o.trainingEntities, 0, true);
    Deployment f = deployment("train-ltm", fresh, kernel, 1, o.window, true, Map.of());
    try {
      f.start(o.partitions);
      f.awaitPredictions(fresh.warm, fresh.warm, timeoutFor(fresh.warm));
      var metrics = f.service().metrics();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (metrics.examples() - metrics.examplesTaken() > 0 && System.nanoTime() < deadline) {
        f.failIfDead();
        Thread.sleep(20);
      }
      return labelToModel(f, fresh, rate);
    } finally {
      f.close();
      f.deleteState();
    }
  }

  private void stateRows(StateFigures inference, StateFigures window) {
    String ssec = "State per entity (H=" + o.hiddenSize + ", D=" + o.inputSize + ", gates kept)";
    // SimpleEntry, not Map.entry: a figure is null when its phase did not run.
    for (var e : List.of(new java.util.AbstractMap.SimpleEntry<>("inference only (W=0)", inference),
        new java.util.AbstractMap.SimpleEntry<>("with window W=" + o.window, window))) {
      StateFigures s = e.getValue();
      if (s == null) {
        continue;
      }
      report.row(ssec, e.getKey() + ": stored value bytes", StreamBenchReport.num(s.valueBytes()),
          "mean of up to 200 entities' values, by interactive query");
      report.row(ssec, e.getKey() + ": RocksDB bytes/entity", StreamBenchReport.num((double) s.rocksDbBytes() / s.entities()),
          String.format(Locale.ROOT, "all files of the entity-state stores under state.dir after close / E=%,d", s.entities()));
      report.row(ssec, e.getKey() + ": changelog bytes/entity", StreamBenchReport.num((double) s.changelogBytes() / s.entities()),
          String.format(Locale.ROOT, "changelog topic size on the broker / E (%,d records incl. txn markers, not compacted yet)",
              s.changelogRecords()));
    }
    Map<String, Object> j = report.section("state");
    if (inference != null) {
      j.put("inferenceOnly", inference.json());
    }
    if (window != null) {
      j.put("window" + o.window, window.json());
    }
  }

  private record LabelToModel(double rate, long measured, long missing, double p50Ms, double p99Ms, double maxMs) {
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
  private LabelToModel labelToModel(Deployment d, Dataset data, double rate) throws Exception {
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
    int count = (int) Math.max(1, Math.round(rate * o.latencySeconds));
    long[] sent = new long[count];
    try (EventWriter paced = new EventWriter(client, eventSerde, o.inputSize, 11, true)) {
      var random = paced.random();
      long t0 = System.nanoTime() + 5_000_000;
      double interval = 1e9 / rate;
      for (int i = 0; i < count; i++) {
        long due = t0 + (long) (i * interval);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(Math.min(wait, 200_000));
        }
        sent[i] = due;
        paced.send(data.events, random.nextInt(data.entities), "T" + i, true);
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
    progress("  %-22s label -> model in use p50 %.0f ms, p99 %.0f ms at %,.0f labels/s (%d not covered)", "train",
        r.p50Ms, r.p99Ms, rate, missing);
    return r;
  }

  private void scaling(LstmKernel kernel, Deployment.Throughput mainLstm, StateFigures mainState) throws Exception {
    String sec = "Entity scaling (1 thread, LSTM, W=0)";
    List<Map<String, Object>> js = new ArrayList<>();
    double base = Double.NaN;
    for (int e : o.scaling) {
      Deployment.Throughput t;
      StateFigures s;
      long n;
      if (e == o.entities && mainState != null) {
        t = mainLstm;
        s = mainState;
        n = o.events;
      } else {
        Dataset data = load("scale-" + e, e, o.scalingEvents, false);
        Result r = throughputRun("lstm-1t-E" + e, data, kernel, 1, 0, false, Map.of(), true);
        t = r.throughput;
        s = r.state;
        n = o.scalingEvents;
      }
      if (Double.isNaN(base)) {
        base = t.eventsPerSecond();
      }
      report.row(sec, String.format(Locale.ROOT, "E=%,d events/s", e), StreamBenchReport.num(t.eventsPerSecond()),
          String.format(Locale.ROOT, "%.2fx E=%,d; N=%,d after one warm event per entity", t.eventsPerSecond() / base,
              o.scaling.getFirst(), n));
      report.row(sec, String.format(Locale.ROOT, "E=%,d bytes/entity (value, RocksDB, changelog)", e),
          StreamBenchReport.num(s.valueBytes()) + " / " + StreamBenchReport.num((double) s.rocksDbBytes() / e) + " / "
              + StreamBenchReport.num((double) s.changelogBytes() / e), "as in the state section");
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("entities", e);
      j.put("measuredEvents", n - n / 10);
      j.put("eventsPerSecond", Math.round(t.eventsPerSecond()));
      j.put("relativeToSmallest", StreamBenchReport.round(t.eventsPerSecond() / base, 3));
      j.put("state", s.json());
      js.add(j);
    }
    report.put("scaling", js);
  }

  // ------------------------------------------------------------------ data

  /** A pre-loaded events topic: one warm-up event per entity, in order, then {@code measured} at random. */
  private record Dataset(String events, String labels, int entities, long warm, long measured) {}

  private Dataset load(String name, int entities, long measured, boolean labelled) throws Exception {
    String events = prefix + "-" + name + "-events";
    String labels = prefix + "-" + name + "-labels";
    createTopics(List.of(new NewTopic(events, o.partitions, (short) -1), new NewTopic(labels, o.partitions, (short) -1)));
    long t0 = System.nanoTime();
    try (EventWriter w = new EventWriter(client, eventSerde, o.inputSize, name.hashCode(), false)) {
      long seq = 0;
      for (int e = 0; e < entities; e++) {
        w.send(events, e, "s" + seq++, labelled);
      }
      var random = w.random();
      for (long i = 0; i < measured; i++) {
        w.send(events, random.nextInt(entities), "s" + seq++, labelled);
      }
      w.flush();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    progress("  loaded %-15s %,d events for %,d entities in %.1f s", name, entities + measured, entities, secs);
    return new Dataset(events, labels, entities, entities, measured);
  }

  /**
   * Creates topics and waits until every partition has a leader, so that the service's own topic check that
   * follows (it describes the topics right after creating them) never sees them half-created.
   */
  private void createTopics(List<NewTopic> topics) throws Exception {
    admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    List<String> names = topics.stream().map(NewTopic::name).toList();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        var d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        if (d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
          return;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        // not in the metadata yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no leaders after 30 s");
      }
      Thread.sleep(20);
    }
  }

  private Deployment deployment(String name, Dataset data, LstmKernel kernel, int threads, int window, boolean training,
      Map<String, String> extra) throws Exception {
    String app = prefix + "-" + name;
    StreamSettings.Topics topics = new StreamSettings.Topics(data.events, data.labels, app + "-predictions",
        app + "-dead-letters", app + "-models", app + "-training");
    // The same layout as TopicSetup makes: training 1 partition, models 1 partition compacted.
    createTopics(List.of(new NewTopic(topics.predictions(), o.partitions, (short) -1),
        new NewTopic(topics.deadLetters(), o.partitions, (short) -1),
        new NewTopic(topics.trainingExamples(), 1, (short) -1)
            .configs(Map.of("retention.ms", String.valueOf(TimeUnit.DAYS.toMillis(1)))),
        new NewTopic(topics.models(), 1, (short) -1).configs(Map.of("cleanup.policy", "compact"))));
    // The service's learner as configured by default, but for the BPTT window, a minibatch of 16 and no replay
    // (so that an example is one BPTT window, comparable with the kernel's windows/s) and the benchmark's publish
    // interval.
    LearnerSettings learner = LearnerSettings.DEFAULTS.withWindow(window, 16).withBatchSize(16).withReplay(0, 0)
        .withPublish(1000, Duration.ofSeconds(o.publishSeconds));
    StreamSettings settings = new StreamSettings(topics, "bench", spec(), learner, training, 1 << 20, true);
    Map<String, String> props = new LinkedHashMap<>(o.streamsOverrides);
    props.putAll(extra);
    if ("at_least_once".equals(props.get("processing.guarantee"))) {
      // At-least-once is the low-latency delivery mode's (the service refuses it without): its Kafka settings too.
      settings = settings.withDelivery(Delivery.LOW_LATENCY);
    }
    runs++;
    return new Deployment(name, app, settings, o.workDir.resolve("state").resolve(name + "-" + runs), client, props,
        threads, serdes, kernel);
  }

  private ModelSpec spec() {
    return new ModelSpec(o.inputSize, o.hiddenSize, 1, Task.BINARY);
  }

  // ------------------------------------------------------------------ helpers

  private void describe() {
    Map<String, Object> m = report.section("machine");
    m.put("cpu", cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("jdk", System.getProperty("java.vm.vendor") + " " + Runtime.version());
    m.put("kernel", LstmKernels.get().name());
    m.put("kernelReason", LstmKernels.reason());
    m.put("maxHeapMb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("broker", o.external() ? "external " + o.bootstrapServers : "in-process KRaft broker + Apicurio child process, 127.0.0.1");
    Map<String, Object> c = report.section("config");
    c.put("preset", o.quick ? "quick" : "full");
    c.put("D", o.inputSize);
    c.put("H", o.hiddenSize);
    c.put("K", 1);
    c.put("partitions", o.partitions);
    c.put("entities", o.entities);
    c.put("events", o.events);
    c.put("repeats", o.repeats);
    c.put("scaling", o.scaling);
    c.put("scalingEvents", o.scalingEvents);
    c.put("window", o.window);
    c.put("publishSeconds", o.publishSeconds);
    c.put("loadFraction", o.loadFraction);
    c.put("streamsOverrides", o.streamsOverrides);
    progress("bench stream (%s): D=%d H=%d, %s, %d cores, %s; kernel %s", o.quick ? "quick: smaller sizes" : "full",
        o.inputSize, o.hiddenSize, cpuModel(), Runtime.getRuntime().availableProcessors(), m.get("jdk"), m.get("kernel"));
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  private static Map<String, Object> rates(List<Deployment.Throughput> ts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventsPerSecond", ts.stream().map(t -> Math.round(t.eventsPerSecond())).toList());
    m.put("seconds", ts.stream().map(t -> StreamBenchReport.round(t.seconds(), 2)).toList());
    return m;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private Duration timeoutFor(long events) {
    return Duration.ofSeconds(120 + events / 2_000);
  }

  private void progress(String fmt, Object... args) {
    log.printf(Locale.ROOT, "[%5.1fs] " + fmt + "%n", prepend((System.nanoTime() - started) / 1e9, args));
    log.flush();
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] a = new Object[rest.length + 1];
    a[0] = first;
    System.arraycopy(rest, 0, a, 1, rest.length);
    return a;
  }

  private void deleteTopics() {
    try {
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> ours = names.stream().filter(n -> n.startsWith(prefix)).toList();
      if (!ours.isEmpty()) {
        admin.deleteTopics(ours).all().get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      progress("could not delete the benchmark's topics: %s", e.getMessage());
    }
  }


  static Map<String, String> parseSettings(List<String> kv) {
    Map<String, String> m = new HashMap<>();
    for (String s : kv) {
      int i = s.indexOf('=');
      if (i <= 0) {
        throw new IllegalArgumentException("expected key=value, got " + s);
      }
      m.put(s.substring(0, i).strip(), s.substring(i + 1).strip());
    }
    return m;
  }
}
