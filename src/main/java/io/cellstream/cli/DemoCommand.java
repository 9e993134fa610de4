package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.eval.EvalOptions;
import io.cellstream.eval.EvalResult;
import io.cellstream.eval.EvalSession;
import io.cellstream.eval.LabelMode;
import io.cellstream.eval.ModelResult;
import io.cellstream.eval.ModelTrack;
import io.cellstream.eval.ReportWriter;
import io.cellstream.eval.StreamRecord;
import io.cellstream.eval.TaskEvent;
import io.cellstream.eval.TaskGenerator;
import io.cellstream.eval.TaskInfo;
import io.cellstream.eval.TaskLabel;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.serde.SerdeException;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.ModelVersion;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cellstream demo}: everything on this machine, end to end. An in-process Kafka broker and a schema
 * registry start; the service runs against them; a benchmark stream is produced into the events topic
 * while the baselines learn from the same records in-process; the LSTM's predictions are read back from the
 * predictions topic and scored the same way. Ends with an HTML report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, defaultValueProvider = LearnerOptions.Defaults.class,
    description = {
        "Runs the whole loop on this machine: an embedded Kafka broker and schema registry (127.0.0.1 only), the",
        "service, and a benchmark stream of many interleaved entities. The LSTM learns inside the service from",
        "live labels; the baselines (vanilla RNN, no memory, majority) learn in-process from the same records.",
        "Shows progress, then writes an HTML report with learning curves and the numbers in JSON.",
        "Output: the results (and with --json one JSON line, last) on stdout; progress and logs on stderr."})
public final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin TaskOptions task;

  @Mixin LearnerOptions learners;

  @Option(names = "--events", paramLabel = "N", defaultValue = "1000000",
      description = "Events in the stream. Default: ${DEFAULT-VALUE} (357 s of streaming on a loaded 2-core machine; the LSTM passed 0.95 within 260k events in every live run of docs/accuracy.md).")
  long events;

  @Option(names = "--baselines", paramLabel = "M,...", split = ",", defaultValue = "rnn,nomemory,majority",
      description = "Baselines run beside the LSTM: rnn, nomemory, majority, lastvalue, mean. Default: ${DEFAULT-VALUE}.")
  List<String> baselines;

  @Option(names = "--backlog", paramLabel = "N", defaultValue = "4000",
      description = "Most events produced but not yet predicted: keeps the stream live instead of a bulk load. Default: ${DEFAULT-VALUE}.")
  long backlog;

  @Option(names = "--metric-window", paramLabel = "N", defaultValue = "2000",
      description = "Scored pairs in the sliding window of the windowed metrics. Default: ${DEFAULT-VALUE}.")
  int metricWindow;

  @Option(names = "--report-dir", paramLabel = "DIR", description = "Where to write report.html and report.json. Default: reports/demo-<time>.")
  Path reportDir;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the embedded broker, registry, state and log (cellstream.log) live, kept across runs. Default: a private temporary directory, deleted at the end.")
  Path dataDir;

  @Option(names = "--json", description = "End stdout with one line of JSON: per model (lstm, rnn, nomemory, ...) the final windowed metrics.")
  boolean json;

  /** Set on Ctrl-C / SIGTERM (see {@link StopSignal}); the run stops early and still reports. */
  private final AtomicBoolean interrupted = new AtomicBoolean();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TaskGenerator gen = task.generator(events);
    TaskInfo info = gen.info();
    Path dir = reportDir != null ? reportDir
        : Path.of("reports", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);

    // The demo publishes a model version every second; its progress line shows the version, so the service's
    // one-line-per-swap logging (right for an operator's log) would only bury the progress here.
    Logging.quiet("io.cellstream.stream.TrainerProcessor", "io.cellstream.stream.ModelHolder");
    err.println("cellstream demo: " + info.title() + ", " + events + " events over " + task.entities + " entities");
    err.println("starting the embedded Kafka broker and schema registry (127.0.0.1) ...");
    err.flush();
    if (dataDir != null) {
      Files.createDirectories(dataDir);
      ClientProperties.removeStale(dataDir);
      Logging.alsoToFile(dataDir.resolve("cellstream.log")); // everything, the lines the console leaves out too
    }
    long t0 = System.nanoTime();
    EvalResult result;
    ReportWriter.ReportFiles files;
    // Ctrl-C / SIGTERM: stop producing, report what was seen, close the service, then the broker — in that order.
    try (StopSignal stop = StopSignal.install("demo");
         EmbeddedStack stack = stop.closeLast(dataDir == null ? EmbeddedStack.start() : EmbeddedStack.start(dataDir))) {
      stop.onRequest(() -> {
        interrupted.set(true);
        err.println("interrupted: stopping the stream, writing the report of what was seen, closing ...");
        err.flush();
      });
      if (stack.isTemporary()) {
        KnownBenignLogLines.privateStateDir(stack.streamsStateDir());
      }
      err.printf(Locale.ROOT, "  Kafka %s, schema registry %s (%.1f s)%n", stack.bootstrapServers(),
          stack.schemaRegistryUrl(), (System.nanoTime() - t0) / 1e9);
      LearnerSettings lstm = learners.lstmSettings(info, gen.config().labels(), task.seed);
      CellstreamConfig config = CellstreamConfig.from(serviceSettings(stack, info, lstm));
      ServiceRunner runner;
      try {
        runner = ServiceRunner.start(config, true);
      } catch (ConfigException e) {
        err.println("cellstream demo: " + e.getMessage());
        return RunCommand.EXIT_CONFIG;
      }
      try {
        err.printf(Locale.ROOT, "  service up: HTTP http://%s:%d (try /entities/%s, /model, /metrics)%n",
            config.httpHost(), runner.http().port(), "e00000");
        err.printf(Locale.ROOT, "  its predictions, while it runs: bin/cellstream tail predictions --config %s --follow%n",
            ClientProperties.write(stack, config));
        err.flush();
        result = run(gen, info, runner, stack, config, lstm, err);
        files = ReportWriter.write(result, dir);
      } finally {
        err.println("stopping the service and the embedded broker ...");
        err.flush();
        runner.close(Duration.ofSeconds(30));
      }
    } finally {
      if (dataDir != null) {
        Logging.stopFile(dataDir.resolve("cellstream.log"));
      }
    }
    // The results once everything is closed, so that they are the last lines even with stderr merged into stdout.
    printSummary(out, result, info);
    out.println("report: " + files.html().toAbsolutePath());
    if (json) {
      out.println(ReportWriter.summaryLine(result));
    }
    out.flush();
    return interrupted.get() ? 130 : 0;
  }

  /** The service's configuration for this task: shapes from the task, training like the in-process models. */
  private Settings serviceSettings(EmbeddedStack stack, TaskInfo info, LearnerSettings lstm) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("application.id", "cellstream-demo");
    s.put("bootstrap.servers", stack.bootstrapServers());
    s.put("schema.registry.url", stack.schemaRegistryUrl());
    s.put("commit.interval.ms", "500");
    s.put("max.task.idle.ms", "-1");
    s.put("cellstream.topics.partitions", "2");
    s.put("cellstream.http.port", "0");
    s.put("cellstream.model.name", "demo");
    s.put("cellstream.model.task", info.task().id());
    s.put("cellstream.model.input-size", String.valueOf(info.inputSize()));
    s.put("cellstream.model.output-size", String.valueOf(info.outputSize()));
    s.putAll(learners.serviceSettings(lstm)); // every LSTM option reaches the service's LSTM
    s.put("state.dir", stack.streamsStateDir().toString()); // with the broker's data: temporary, or in --data-dir
    return new Settings().withDefaults(CellstreamConfig.defaults()).withCommandLine(s);
  }

  /** Produces the stream, feeds the baselines, scores the LSTM's predictions; returns the evaluation. */
  private EvalResult run(TaskGenerator gen, TaskInfo info, ServiceRunner runner, EmbeddedStack stack,
      CellstreamConfig config, LearnerSettings lstmSettings, PrintWriter err) throws Exception {
    EvalOptions options = EvalOptions.DEFAULTS.withWindow(metricWindow).withCurveEvery(Math.max(10, metricWindow / 20));
    EvalSession session = new EvalSession(info, options);
    learners.learners(info, lstmSettings, baselines, "lstm-inprocess").forEach(session::add);
    ModelTrack lstm = session.addExternal("lstm");
    CellstreamSerdes serdes = CellstreamSerdes.using(runner.schemaRegistry());
    var topics = config.stream().topics();

    AtomicLong predicted = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader = new Thread(() -> readPredictions(stack, topics.predictions(), serdes, lstm, predicted, stop), "demo-predictions");
    reader.setDaemon(true);
    reader.start();

    Map<String, Object> producerConfig = new LinkedHashMap<>(stack.clientConfig());
    producerConfig.remove(EmbeddedStack.SCHEMA_REGISTRY_URL);
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    long produced = 0;
    long started = System.nanoTime();
    long nextProgress = started;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (StreamRecord r : gen) {
        if (interrupted.get()) {
          break;
        }
        session.accept(r); // announces the event to the LSTM's track before its prediction can arrive
        switch (r) {
          case TaskEvent e -> {
            Event ev = toEvent(e);
            // The record timestamp is the ingestion time; the generator's event time travels in the payload.
            // (Generated event times lie in the past: as record timestamps, retention would delete them at once.)
            producer.send(new ProducerRecord<>(topics.events(), null, null,
                e.entityId().getBytes(StandardCharsets.UTF_8), serdes.events().encode(topics.events(), ev)));
            produced++;
          }
          case TaskLabel l -> {
            Label lb = Label.newBuilder().setEntityId(l.entityId()).setEventId(l.eventId()).setTarget(l.target())
                .setLabelTime(Instant.ofEpochMilli(l.labelTimeMillis())).build();
            producer.send(new ProducerRecord<>(topics.labels(), null, null,
                l.entityId().getBytes(StandardCharsets.UTF_8), serdes.labels().encode(topics.labels(), lb)));
          }
        }
        // A live stream, not a bulk load: the service keeps within `backlog` events of the producer.
        while (produced - predicted.get() > backlog && !interrupted.get()) {
          producer.flush();
          nextProgress = progress(err, session, runner, produced, predicted.get(), started, nextProgress);
          Thread.sleep(5);
        }
        nextProgress = progress(err, session, runner, produced, predicted.get(), started, nextProgress);
      }
      producer.flush();
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (predicted.get() < produced && System.nanoTime() < deadline && !interrupted.get()) {
      nextProgress = progress(err, session, runner, produced, predicted.get(), started, nextProgress);
      Thread.sleep(20);
    }
    stop.set(true);
    reader.join(10_000);
    progress(err, session, runner, produced, predicted.get(), started, 0);
    if (predicted.get() < produced && !interrupted.get()) {
      err.printf("warning: %d of %d predictions arrived in time%n", predicted.get(), produced);
    }
    session.finish();
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("mode", "live stream through Kafka (LSTM in the service) + in-process baselines");
    if (interrupted.get()) {
      run.put("interrupted", true);
    }
    run.put("entities", task.entities);
    run.put("events", produced);
    run.put("seed", task.seed);
    run.putAll(LearnerOptions.describe(config.stream().spec().hiddenSize(), lstmSettings, learners));
    run.put("seconds", Math.round(seconds * 10) / 10.0);
    run.put("eventsPerSecond", Math.round(produced / seconds));
    ModelVersion v = runner.service().models().current();
    run.put("lstm.finalModelVersion", v == null ? 0 : v.version());
    run.put("lstm.deadLetters", (long) runner.service().metrics().deadLettersTotal());
    return session.result(run);
  }

  private static Event toEvent(TaskEvent e) {
    List<Float> f = new ArrayList<>(e.features().length);
    for (float v : e.features()) {
      f.add(v);
    }
    return Event.newBuilder().setEntityId(e.entityId()).setEventId(e.eventId())
        .setEventTime(Instant.ofEpochMilli(e.eventTimeMillis())).setFeatures(f)
        .setTarget(e.label() == LabelMode.INLINE ? e.target() : null).build();
  }

  private static void readPredictions(EmbeddedStack stack, String topic, CellstreamSerdes serdes, ModelTrack lstm,
      AtomicLong predicted, AtomicBoolean stop) {
    Map<String, Object> c = new LinkedHashMap<>(stack.clientConfig());
    c.remove(EmbeddedStack.SCHEMA_REGISTRY_URL);
    c.put("isolation.level", "read_committed");
    c.put("group.id", "cellstream-demo-reader");
    c.put("enable.auto.commit", false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          try {
            Prediction p = serdes.predictions().decode(topic, r.value());
            float[] y = new float[p.getOutputs().size()];
            for (int i = 0; i < y.length; i++) {
              y[i] = p.getOutputs().get(i);
            }
            lstm.prediction(p.getEntityId(), p.getEventId(), y);
            predicted.incrementAndGet();
          } catch (SerdeException e) {
            throw new IllegalStateException("unreadable prediction", e);
          }
        }
      }
    }
  }

  private long progress(PrintWriter err, EvalSession session, ServiceRunner runner, long produced, long predicted,
      long started, long next) {
    long now = System.nanoTime();
    if (now < next) {
      return next;
    }
    double secs = (now - started) / 1e9;
    StringBuilder b = new StringBuilder();
    ModelVersion v = runner.service().models().current();
    String metric = session.info().primaryMetric();
    b.append(String.format(Locale.ROOT, "[%5.0fs] events %d/%d  predicted %d (%.0f/s)  labels %d  model v%d  %s (window):",
        secs, produced, events, predicted, predicted / Math.max(secs, 1e-3), session.labels(), v == null ? 0 : v.version(), metric));
    for (ModelTrack t : session.tracks()) {
      double w = t.value(metric).window();
      b.append(String.format(Locale.ROOT, "  %s %s", t.name(), Double.isNaN(w) ? "-" : String.format(Locale.ROOT, "%.3f", w)));
    }
    err.println(b);
    err.flush();
    return now + Duration.ofSeconds(5).toNanos();
  }

  private static void printSummary(PrintWriter out, EvalResult r, TaskInfo info) {
    String metric = info.primaryMetric();
    int window = r.options().window();
    out.printf(Locale.ROOT, "%s, %d events: %s over the last %d scored%n", info.title(),
        ((Number) r.run().get("events")).longValue(), metric, window);
    for (ModelResult m : r.models()) {
      double w = m.metric(metric).window();
      if (Double.isNaN(w)) {
        out.printf(Locale.ROOT, "  %-15s -      (nothing scored yet)%n", m.name());
        continue;
      }
      String reached = "";
      if (metric.equals(io.cellstream.eval.MetricInfo.ACCURACY.key())) {
        // When the windowed accuracy first reached 0.95 over a full window: events and labelled sequences.
        io.cellstream.eval.LagSweep.Row row = io.cellstream.eval.LagSweep.row(0, 0, m, 0.95, window);
        reached = row.eventsToTarget() < 0 ? "  (not at 0.95)"
            : String.format(Locale.ROOT, "  0.95 after %,d events, %,d labelled sequences", row.eventsToTarget(),
                row.queriesToTarget());
      }
      out.printf(Locale.ROOT, "  %-15s %.4f (all: %.4f)%s%n", m.name(), w, m.metric(metric).cumulative(), reached);
    }
    double chance = info.chance(metric);
    if (!Double.isNaN(chance)) {
      out.printf(Locale.ROOT, "  %-15s %.4f%n", "chance", chance);
    }
  }
}
