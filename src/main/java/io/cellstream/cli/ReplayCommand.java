package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.eval.CellLearner;
import io.cellstream.eval.EvalOptions;
import io.cellstream.eval.EvalResult;
import io.cellstream.eval.EvalSession;
import io.cellstream.eval.EventRole;
import io.cellstream.eval.LabelMode;
import io.cellstream.eval.ModelResult;
import io.cellstream.eval.ModelTrack;
import io.cellstream.eval.ReportWriter;
import io.cellstream.eval.StreamRecord;
import io.cellstream.eval.TaskEvent;
import io.cellstream.eval.TaskInfo;
import io.cellstream.eval.TaskLabel;
import io.cellstream.input.CheckedEvent;
import io.cellstream.input.CheckedLabel;
import io.cellstream.input.InputReader;
import io.cellstream.input.Rejection;
import io.cellstream.learn.InProcessLearner;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.serde.SerdeException;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.ModelRecords;
import io.cellstream.stream.ModelVersion;
import io.cellstream.stream.StreamSettings;
import io.cellstream.util.FileTrees;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cellstream replay}: prequential evaluation over a range of a historical events topic (and the labels
 * from the range's start on), in the records' order, beside in-process baselines; the live service on the same
 * topics is untouched. Two ways to replay:
 *
 * <ul>
 *   <li>{@code --pace strict} (the default): strictly test-then-train. Each event is predicted only once the
 *       model has learned from every label before it in the replayed order. The LSTM is the service's learner
 *       (its cell, window, label join, trainer, replay buffer and publish policy, configured as for {@code run})
 *       driven in-process record by record: through Kafka every event would wait for a trainer round trip. The
 *       parity test keeps that learner equal to the topology's.</li>
 *   <li>{@code --pace realtime} or {@code --pace 10x}: the range is produced, at the records' own time spacing
 *       (or that many times faster), into topics of the replay's own, and a service instance with its own
 *       application id runs over them — what a live deployment would have seen, model staleness included.</li>
 * </ul>
 * Starts from a fresh model or from a given version on the live models topic. Same report as the demo.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, defaultValueProvider = LearnerOptions.Defaults.class,
    description = {
        "Replays a range of the events topic (and the labels topic from the range's start on) and evaluates the",
        "service's LSTM test-then-train against the labels, beside in-process baselines; the live service is",
        "untouched. By default (--pace strict) every event is predicted by a model that has learned from every",
        "label before it; --pace realtime|<factor>x instead runs a private service instance over a copy produced",
        "at the records' own pace. Writes the same HTML/JSON report as the demo. Uses the same configuration as",
        "'run' (--config, --set, ...) for the topics and the model; the learner options below override it when given.",
        "Results go to standard output, progress and logs to standard error."})
public final class ReplayCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(names = "--from", paramLabel = "POS", defaultValue = "earliest",
      description = "Start: earliest, latest, an ISO-8601 time (2024-05-01T00:00:00Z) or epoch millis of the record timestamps, or offset:N. Default: ${DEFAULT-VALUE}.")
  String from;

  @Option(names = "--to", paramLabel = "POS", defaultValue = "latest",
      description = "End (exclusive), same forms as --from. Default: ${DEFAULT-VALUE} (what is there when the replay starts).")
  String to;

  @Option(names = "--pace", paramLabel = "PACE", defaultValue = "strict",
      description = "strict: every prediction by a model that learned from every earlier label (in-process, the service's learner); "
          + "realtime: through a private service instance at the records' own time spacing; <factor>x (e.g. 60x): that, "
          + "factor times faster. Default: ${DEFAULT-VALUE}.")
  String pace;

  @Option(names = "--from-version", paramLabel = "N",
      description = "Start from version N of the live model (from the models topic's history) instead of a fresh version 1.")
  Long fromVersion;

  @Option(names = "--no-training", description = "Evaluate the starting model as it is, without learning from the labels.")
  boolean noTraining;

  @Option(names = "--baselines", paramLabel = "M,...", split = ",",
      description = "In-process models beside the service's LSTM: rnn, nomemory, majority, lastvalue, mean, and lstm "
          + "(an in-process LSTM, reported as lstm-inprocess). Default: nomemory and majority (classification) or "
          + "lastvalue and mean (regression).")
  List<String> baselines;

  @Mixin LearnerOptions learners;

  @Option(names = "--replay-id", paramLabel = "ID",
      description = "With a --pace other than strict: application id and topic prefix of the private instance. Default: <application.id>-replay-<time>.")
  String replayId;

  @Option(names = "--keep-topics", description = "With a --pace other than strict: keep the replay's topics afterwards (default: deleted).")
  boolean keepTopics;

  @Option(names = "--metric-window", paramLabel = "N", defaultValue = "2000", description = "Scored pairs in the sliding window. Default: ${DEFAULT-VALUE}.")
  int metricWindow;

  @Option(names = "--report-dir", paramLabel = "DIR", description = "Where to write report.html and report.json. Default: reports/replay-<time>.")
  Path reportDir;

  @Option(names = "--json", description = "End with one line of JSON on standard output: per model the final windowed metrics.")
  boolean json;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "1800", description = "Give up when the replay has not finished after this long. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  /** Why a paced replay did not finish, and the exit code that says so. */
  private record Failure(String message, int exitCode) {}

  /** A record of the range as read: where it was, its bytes, and what the evaluation makes of it. */
  private record Raw(boolean event, int partition, long timestamp, byte[] key, byte[] value, Headers headers,
      StreamRecord parsed, long time) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    double factor;
    try {
      factor = paceFactor(pace);
    } catch (IllegalArgumentException e) {
      err.println("cellstream replay: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    CellstreamConfig live;
    try {
      live = CellstreamConfig.from(settings());
    } catch (ConfigException | java.io.IOException e) {
      err.println("cellstream replay: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    StreamSettings.Topics source = live.stream().topics();
    try {
      ServiceRunner.checkKafka(live.kafka());
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream replay: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
    Properties client = clientProperties(live.kafka());
    ModelSpec modelSpec = live.stream().spec();
    LearnerSettings lstm = live.stream().learner();
    try (Admin admin = Admin.create(client);
         SchemaRegistryClient registry = new SchemaRegistryClient(live.schemaRegistryUrl(), live.schemaRegistryBasicAuth(), Duration.ofSeconds(10))) {
      CellstreamSerdes serdes = CellstreamSerdes.using(registry);
      // The one input layer, as the service reads these records: what it would dead-letter is not evaluated.
      InputReader reader = serdes.inputReader(live.stream());
      CellLearner.Inputs inputs = new CellLearner.Inputs(live.stream().mapping().layout(modelSpec.inputSize()),
          reader.featureMemory());
      int partitions = admin.describeTopics(List.of(source.events())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(source.events()).partitions().size();
      err.printf(Locale.ROOT, "replay: reading %s [%s, %s) and %s from %s on ...%n", source.events(), from, to,
          source.labels(), from);
      err.flush();

      // 1. The range, in replay order: by event time (events) and label time (labels).
      List<Raw> raws = new ArrayList<>();
      long[] unusable = new long[1];
      long events = read(client, source.events(), partitions, from, to, serdes, reader, modelSpec, true, raws, unusable);
      long labels = read(client, source.labels(), partitions, from, "latest", serdes, reader, modelSpec, false, raws,
          unusable);
      raws.sort(Comparator.comparingLong(Raw::time)); // stable: within a partition the log order stays
      err.printf(Locale.ROOT, "  %d events and %d labels (%d of them unusable: they would be dead letters)%n", events,
          labels, unusable[0]);
      if (events == 0) {
        err.println("cellstream replay: the range holds no events");
        return 1;
      }

      // 2. The starting model: a given live version, or a fresh version 1.
      ModelVersion start = null;
      if (fromVersion != null) {
        byte[] snapshot = findModel(client, source.models(), ModelRecords.historyKey(live.stream().modelName(), fromVersion));
        if (snapshot == null) {
          err.println("cellstream replay: version " + fromVersion + " of model '" + live.stream().modelName()
              + "' is not in the history on " + source.models());
          return 1;
        }
        start = new ModelRecords(serdes.models(), source.models()).decode(snapshot);
        err.printf(Locale.ROOT, "  starting from live version %d (%d examples seen)%n", fromVersion,
            start.model().examplesSeen());
      }

      // 3. The evaluation: baselines in-process; the LSTM in-process (strict) or in a private service (paced).
      TaskInfo info = TaskInfo.custom("replay of " + source.events(), modelSpec.task(), modelSpec.inputSize(),
          modelSpec.outputSize(), lstm.bpttSteps());
      EvalOptions options = EvalOptions.DEFAULTS.withWindow(metricWindow)
          .withMaxPending(Math.max(1_000_000, raws.size() + 1));
      EvalSession session = new EvalSession(info, options);
      List<String> names = baselines != null ? baselines
          : (modelSpec.task() == io.cellstream.lstm.Task.REGRESSION ? List.of("lastvalue", "mean") : List.of("nomemory", "majority"));
      Map<String, Object> run = new LinkedHashMap<>();
      long started = System.nanoTime();
      if (factor == 0) {
        // Strictly prequential: a version after every example, so that the model in use has learned from every
        // label before the event it predicts (the configured publish policy is the live service's trade-off).
        LearnerSettings strict = lstm.withPublish(1, null);
        InProcessLearner<?> service = serviceLearner(modelSpec, strict, start, inputs);
        session.add(new CellLearner(service));
        learners.learners(info, strict, names, "lstm-inprocess", inputs).forEach(session::add);
        strict(raws, session, service, err, started);
        run.put("mode", "strict prequential replay: the service's learner in-process, every event predicted after "
            + "learning from every earlier label");
        run.put("lstm.finalModelVersion", service.version());
        run.put("lstm.examplesLearned", service.trainer() == null ? 0 : service.trainer().examplesSeen());
      } else {
        learners.learners(info, lstm, names, "lstm-inprocess", inputs).forEach(session::add);
        ModelTrack track = session.addExternal("lstm");
        String id = replayId != null ? replayId : live.applicationId() + "-replay-" + stamp;
        Failure failure = paced(live, admin, client, serdes, partitions, id, start, raws, events, factor, session, track,
            run, err, started);
        if (failure != null) {
          err.println("cellstream replay: " + failure.message());
          return failure.exitCode();
        }
      }
      session.finish();
      run.put("source", source.events());
      run.put("from", from);
      run.put("to", to);
      run.put("pace", pace);
      run.put("events", events);
      run.put("labels", labels);
      run.put("unusable", unusable[0]);
      run.put("startModel", fromVersion == null ? "fresh version 1" : "live version " + fromVersion);
      run.put("training", !noTraining);
      run.putAll(LearnerOptions.describe(modelSpec.hiddenSize(), factor == 0 ? lstm.withPublish(1, null) : lstm, learners));
      run.put("seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
      EvalResult result = session.result(run);
      Path dir = reportDir != null ? reportDir : Path.of("reports", "replay-" + stamp);
      ReportWriter.ReportFiles files = ReportWriter.write(result, dir);
      String metric = info.primaryMetric();
      out.printf(Locale.ROOT, "replay of %d events (%s): %s over the last %d scored%n", events, pace, metric, metricWindow);
      for (ModelResult m : result.models()) {
        out.printf(Locale.ROOT, "  %-15s %.4f (all: %.4f, %d scored)%n", m.name(), m.metric(metric).window(),
            m.metric(metric).cumulative(), m.scored());
      }
      out.println("report: " + files.html().toAbsolutePath());
      if (json) {
        out.println(ReportWriter.summaryLine(result));
      }
      out.flush();
      return 0;
    }
  }

  /**
   * The configuration as for {@code run}, then every learner option given on this command line on top (they win
   * over --set of the same key: they are the more specific), so that they reach the LSTM whichever way it runs.
   */
  private io.cellstream.config.Settings settings() throws java.io.IOException {
    io.cellstream.config.Settings s = config.settings(Map.of());
    int window = CellstreamConfig.from(s).stream().windowSteps();
    learners.explicitServiceSettings(spec.commandLine().getParseResult(), window)
        .forEach((k, v) -> s.set(k, v, "command line (replay's learner options)"));
    return s;
  }

  /** 0 for strict, else how many times faster than the records' own spacing. */
  static double paceFactor(String pace) {
    String p = pace.trim().toLowerCase(Locale.ROOT);
    if (p.equals("strict")) {
      return 0;
    }
    if (p.equals("realtime")) {
      return 1;
    }
    if (p.endsWith("x")) {
      try {
        double f = Double.parseDouble(p.substring(0, p.length() - 1));
        if (f > 0 && Double.isFinite(f)) {
          return f;
        }
      } catch (NumberFormatException e) {
        // below
      }
    }
    throw new IllegalArgumentException("--pace must be strict, realtime or a speed-up such as 10x, got '" + pace + "'");
  }

  /** The service's LSTM as the in-process learner: its configuration, from version 1 or a live version. */
  private InProcessLearner<?> serviceLearner(ModelSpec modelSpec, LearnerSettings lstm, ModelVersion start,
      CellLearner.Inputs inputs) {
    LstmCell cell = new LstmCell(modelSpec, lstm.forgetBias());
    if (start == null) {
      return new InProcessLearner<>("lstm", cell, lstm, LabelJoin.Holding.DEFAULTS, !noTraining, null, inputs.layout(),
          inputs.memory(), 1, 0);
    }
    Model m = start.model();
    if (!m.statistics().sameLayout(inputs.layout())) {
      throw new IllegalArgumentException("version " + start.version() + " reads the features '"
          + m.statistics().features() + "', the configuration says '" + inputs.layout().features() + "'");
    }
    return new InProcessLearner<>("lstm", cell, lstm, LabelJoin.Holding.DEFAULTS, !noTraining, m.parametersCopy().data(),
        m.statistics(), inputs.memory(), start.version(), m.examplesSeen());
  }

  /** Strict: every record through the session in order; the service's learner publishes as configured. */
  private void strict(List<Raw> raws, EvalSession session, InProcessLearner<?> service, PrintWriter err, long started) {
    long predicted = 0;
    long total = raws.stream().filter(r -> r.parsed() instanceof TaskEvent).count();
    long next = System.nanoTime();
    for (Raw r : raws) {
      if (r.parsed() == null) {
        continue;
      }
      session.accept(r.parsed());
      if (r.parsed() instanceof TaskEvent) {
        predicted++;
      }
      if (System.nanoTime() >= next || predicted == total) {
        double secs = (System.nanoTime() - started) / 1e9;
        err.printf(Locale.ROOT, "[%5.0fs] predicted %d/%d (%.0f/s)  lstm v%d, learned from every one of the %d labels "
            + "before%s%n", secs, predicted, total, predicted / Math.max(secs, 1e-3), service.version(),
            session.labels(), window(session));
        err.flush();
        next = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      }
    }
  }

  private static String window(EvalSession session) {
    String metric = session.info().primaryMetric();
    StringBuilder b = new StringBuilder("  " + metric + " (window):");
    for (ModelTrack t : session.tracks()) {
      double w = t.value(metric).window();
      b.append(String.format(Locale.ROOT, " %s %s", t.name(), Double.isNaN(w) ? "-" : String.format(Locale.ROOT, "%.3f", w)));
    }
    return b.toString();
  }

  /**
   * Paced: the range is produced into the replay's own topics at the records' spacing, a private service runs
   * over them; its predictions are scored as they arrive. Returns null when it finished, else why not.
   */
  private Failure paced(CellstreamConfig live, Admin admin, Properties client, CellstreamSerdes serdes, int partitions,
      String id, ModelVersion start, List<Raw> raws, long events, double factor, EvalSession session, ModelTrack lstm,
      Map<String, Object> run, PrintWriter err, long started) throws Exception {
    StreamSettings.Topics topics = new StreamSettings.Topics(id + "-events", id + "-labels", id + "-predictions",
        id + "-dead-letters", id + "-models", id + "-training-examples");
    Map<String, String> keepForever = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"); // copies keep their timestamps
    admin.createTopics(List.of(new NewTopic(topics.events(), partitions, (short) -1).configs(keepForever),
        new NewTopic(topics.labels(), partitions, (short) -1).configs(keepForever))).all().get(30, TimeUnit.SECONDS);
    if (start != null) {
      admin.createTopics(List.of(new NewTopic(topics.models(), 1, (short) -1)
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(30, TimeUnit.SECONDS);
      ModelRecords replayRecords = new ModelRecords(serdes.models(), topics.models());
      try (KafkaProducer<byte[], byte[]> p = producer(client)) {
        byte[] value = replayRecords.encode(start);
        String name = live.stream().modelName();
        p.send(new ProducerRecord<>(topics.models(), ModelRecords.historyKey(name, start.version()).getBytes(StandardCharsets.UTF_8), value)).get();
        p.send(new ProducerRecord<>(topics.models(), name.getBytes(StandardCharsets.UTF_8), value)).get();
      }
    }
    var s = settings();
    s.set("application.id", id, "replay");
    s.set("cellstream.topic.events", topics.events(), "replay");
    s.set("cellstream.topic.labels", topics.labels(), "replay");
    s.set("cellstream.topic.predictions", topics.predictions(), "replay");
    s.set("cellstream.topic.dead-letters", topics.deadLetters(), "replay");
    s.set("cellstream.topic.models", topics.models(), "replay");
    s.set("cellstream.topic.training-examples", topics.trainingExamples(), "replay");
    s.set("cellstream.topics.partitions", String.valueOf(partitions), "replay");
    s.set("max.task.idle.ms", "-1", "replay");
    if (noTraining) {
      s.set("cellstream.training.enabled", "false", "replay");
    }
    Path stateDir = Files.createTempDirectory("cellstream-replay-");
    KnownBenignLogLines.privateStateDir(stateDir); // ours, deleted at the end: the OS clearing it is moot
    s.set("state.dir", stateDir.toString(), "replay");
    CellstreamConfig replay = CellstreamConfig.from(s);

    Map<String, Integer> indexOfEvent = new HashMap<>();
    for (int i = 0; i < raws.size(); i++) {
      if (raws.get(i).parsed() instanceof TaskEvent e) {
        indexOfEvent.put(e.entityId() + "\u0000" + e.eventId(), i);
      }
    }
    ServiceRunner runner = ServiceRunner.start(replay, false);
    AtomicLong produced = new AtomicLong();
    AtomicLong labelsProduced = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread producer = new Thread(() -> produce(client, raws, topics, factor, produced, labelsProduced, stop), "replay-producer");
    producer.setDaemon(true);
    long predicted = 0;
    long minVersion = Long.MAX_VALUE;
    long maxVersion = 0;
    int accepted = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topics.predictions(), p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      producer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      long nextProgress = System.nanoTime();
      while (true) {
        boolean finished = predicted + (long) runner.service().metrics().deadLettersTotal() >= events;
        if (!finished && System.nanoTime() > deadline) {
          return new Failure("timed out with " + predicted + " of " + events + " events predicted", 1);
        }
        if (!runner.service().isAlive()) {
          return new Failure("the replay's stream processing failed: " + runner.service().fatalError(), RunCommand.EXIT_FAILED);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Prediction pr = serdes.predictions().decode(topics.predictions(), r.value());
          Integer at = indexOfEvent.get(pr.getEntityId() + "\u0000" + pr.getEventId());
          if (at != null) {
            while (accepted <= at) {
              StreamRecord rec = raws.get(accepted++).parsed();
              if (rec != null) {
                session.accept(rec); // the baselines advance with the LSTM
              }
            }
          }
          float[] y = new float[pr.getOutputs().size()];
          for (int i = 0; i < y.length; i++) {
            y[i] = pr.getOutputs().get(i);
          }
          lstm.prediction(pr.getEntityId(), pr.getEventId(), y);
          minVersion = Math.min(minVersion, pr.getModelVersion());
          maxVersion = Math.max(maxVersion, pr.getModelVersion());
          predicted++;
        }
        if (finished || System.nanoTime() >= nextProgress) {
          ModelVersion v = runner.service().models().current();
          err.printf(Locale.ROOT, "[%5.0fs] produced %d/%d  predicted %d by versions v%d..v%d; v%d has learned from %d of "
                  + "the %d labels produced%s%n", (System.nanoTime() - started) / 1e9, produced.get(), raws.size(),
              predicted, minVersion == Long.MAX_VALUE ? 0 : minVersion, maxVersion, v == null ? 0 : v.version(),
              v == null ? 0 : v.model().examplesSeen(), labelsProduced.get(), window(session));
          err.flush();
          nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        }
        if (finished) {
          break;
        }
      }
      run.put("lstm.deadLetters", (long) runner.service().metrics().deadLettersTotal());
      ModelVersion v = runner.service().models().current();
      run.put("lstm.finalModelVersion", v == null ? 0 : v.version());
      run.put("lstm.predictionVersions", minVersion + ".." + maxVersion);
    } finally {
      stop.set(true);
      producer.join(10_000);
      runner.close(Duration.ofSeconds(30));
    }
    while (accepted < raws.size()) {
      StreamRecord rec = raws.get(accepted++).parsed();
      if (rec != null) {
        session.accept(rec); // labels after the last prediction
      }
    }
    run.put("mode", "replay through a private service instance at " + (factor == 1 ? "the records' own pace" : factor + "× their pace"));
    run.put("replayId", id);
    if (!keepTopics) {
      // Everything the replay made carries its id: its copies, its outputs and Kafka Streams' changelogs.
      List<String> mine = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.startsWith(id + "-")).toList();
      admin.deleteTopics(mine).all().get(30, TimeUnit.SECONDS);
      try {
        admin.deleteConsumerGroups(List.of(id)).all().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        err.println("note: the replay's consumer group " + id + " was not deleted (" + e.getCause().getMessage() + ")");
      }
    }
    if (!FileTrees.deleteTree(stateDir)) {
      throw new java.io.IOException("could not delete the replay's state directory " + stateDir);
    }
    return null;
  }

  /** Produces the range into the replay's topics, each record when its time (scaled by {@code factor}) has come. */
  private static void produce(Properties client, List<Raw> raws, StreamSettings.Topics topics, double factor,
      AtomicLong produced, AtomicLong labels, AtomicBoolean stop) {
    try (KafkaProducer<byte[], byte[]> producer = producer(client)) {
      long t0 = raws.getFirst().time();
      long wall0 = System.nanoTime();
      for (Raw r : raws) {
        if (stop.get()) {
          return;
        }
        long due = wall0 + (long) ((r.time() - t0) * 1e6 / factor);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          producer.flush();
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        producer.send(new ProducerRecord<>(r.event() ? topics.events() : topics.labels(), r.partition(), r.timestamp(),
            r.key(), r.value(), r.headers()));
        produced.incrementAndGet();
        if (r.parsed() instanceof TaskLabel || r.parsed() instanceof TaskEvent e && e.target() != null) {
          labels.incrementAndGet(); // delayed labels and labels inline on their event
        }
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Reads [from, to) of {@code topic} partition by partition into {@code out}, keeping keys, timestamps and
   * headers; reads each record through the input layer as the service would ({@link InputReader}): the ones it would
   * dead-letter are kept as bytes (a paced replay's service dead-letters them too) but not evaluated. Events
   * without an id get their source position as id, as the service names them (in the copy a paced replay produces:
   * in the record for the cellstream format, in the header {@value InputReader#EVENT_ID_HEADER} for the others).
   */
  private long read(Properties client, String topic, int partitions, String from, String to, CellstreamSerdes serdes,
      InputReader reader, ModelSpec spec, boolean events, List<Raw> out, long[] unusable) throws Exception {
    long n = 0;
    CheckedEvent ev = reader.newEvent();
    CheckedLabel lb = reader.newLabel();
    boolean cellstreamEvents = !reader.mapping().format().isUserRecord();
    boolean cellstreamLabels = !reader.mapping().labelsFormat().isUserRecord();
    // A record the input layer refuses has no time of its own (the record timestamp is when it was written, maybe years
    // after its neighbours' event times, and a paced replay would wait that long for it): it takes the time of the
    // usable record before it on its partition, or of the next one.
    Map<Integer, Long> lastTime = new HashMap<>();
    Map<Integer, List<Integer>> waitingForTime = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      if (consumer.partitionsFor(topic).size() != partitions) {
        throw new IllegalStateException(topic + " has " + consumer.partitionsFor(topic).size()
            + " partitions, the events topic " + partitions + ": they must be co-partitioned");
      }
      Map<TopicPartition, Long> start = positions(consumer, tps, from, true);
      Map<TopicPartition, Long> end = positions(consumer, tps, to, false);
      consumer.assign(tps);
      for (TopicPartition tp : tps) {
        consumer.seek(tp, start.get(tp));
      }
      Map<TopicPartition, Boolean> done = new HashMap<>();
      for (TopicPartition tp : tps) {
        done.put(tp, start.get(tp) >= end.get(tp));
      }
      while (done.containsValue(false)) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= end.get(tp)) {
            done.put(tp, true);
            continue;
          }
          byte[] value = r.value();
          Headers headers = r.headers();
          StreamRecord parsed = null;
          Long time = null;
          try {
            if (events) {
              Header h = headers.lastHeader(InputReader.EVENT_ID_HEADER);
              Rejection no = reader.event(topic, r.partition(), r.offset(), r.timestamp(), r.key(), value,
                  h == null ? null : new String(h.value(), StandardCharsets.UTF_8), ev);
              if (no == null) {
                time = ev.time();
                if (cellstreamEvents) {
                  Event e = serdes.events().decode(topic, value);
                  if (e.getEventId() == null) {
                    e.setEventId(ev.eventId());
                    value = serdes.events().encode(topic, e);
                  }
                } else if (h == null) {
                  headers = new RecordHeaders(headers.toArray());
                  headers.add(InputReader.EVENT_ID_HEADER, ev.eventId().getBytes(StandardCharsets.UTF_8));
                }
                Float target = ev.hasTarget() ? scalar(spec, ev.target()) : null;
                if (!ev.hasTarget() || target != null) {
                  parsed = new TaskEvent(ev.entityId(), ev.eventId(), ev.time(), ev.inputs().clone(), target,
                      target != null ? LabelMode.INLINE : LabelMode.DELAYED, EventRole.STEP, 0, 0, 0, 0,
                      cellstreamEvents ? null : ev.copy());
                }
              } else if (cellstreamEvents && value != null) {
                time = serdes.events().decode(topic, value).getEventTime().toEpochMilli(); // refused, but it has one
              }
            } else {
              Rejection no = reader.label(topic, r.partition(), r.offset(), r.timestamp(), r.key(), value, lb);
              if (no == null) {
                time = lb.time();
                Float target = scalar(spec, lb.target());
                if (target != null) {
                  parsed = new TaskLabel(lb.entityId(), lb.eventId(), time, target);
                }
              } else if (cellstreamLabels && value != null) {
                var l = serdes.labels().decode(topic, value);
                time = l.getLabelTime() != null ? l.getLabelTime().toEpochMilli() : r.timestamp();
              }
            }
          } catch (SerdeException | RuntimeException ex) {
            // kept as bytes: a paced replay's service dead-letters it, like the live one would
          }
          if (parsed == null) {
            unusable[0]++;
          }
          if (time != null) {
            for (int i : waitingForTime.getOrDefault(r.partition(), List.of())) {
              Raw w = out.get(i);
              out.set(i, new Raw(w.event(), w.partition(), w.timestamp(), w.key(), w.value(), w.headers(), null, time));
            }
            waitingForTime.remove(r.partition());
            lastTime.put(r.partition(), time);
          } else if (lastTime.containsKey(r.partition())) {
            time = lastTime.get(r.partition());
          } else {
            waitingForTime.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(out.size());
          }
          out.add(new Raw(events, r.partition(), r.timestamp(), r.key(), value, headers, parsed,
              time != null ? time : r.timestamp()));
          n++;
        }
        // Positions, not record offsets: transaction markers take offsets but are never returned as records.
        for (TopicPartition tp : tps) {
          if (consumer.position(tp) >= end.get(tp)) {
            done.put(tp, true);
          }
        }
      }
    }
    // a partition with no usable record at all: its records take the earliest time of the others
    long earliest = lastTime.isEmpty() ? Long.MAX_VALUE : out.stream().filter(x -> x.parsed() != null)
        .mapToLong(Raw::time).min().orElse(Long.MAX_VALUE);
    if (earliest != Long.MAX_VALUE) {
      for (List<Integer> waiting : waitingForTime.values()) {
        for (int i : waiting) {
          Raw w = out.get(i);
          out.set(i, new Raw(w.event(), w.partition(), w.timestamp(), w.key(), w.value(), w.headers(), null, earliest));
        }
      }
    }
    return n;
  }

  /**
   * The evaluation scores scalar labels: 0/1, a class index, a value; null for a target only the service's vector
   * head takes (several binary or regression outputs).
   */
  private static Float scalar(ModelSpec spec, float[] target) {
    if (spec.outputSize() == 1) {
      return target[0];
    }
    if (spec.task() == io.cellstream.lstm.Task.MULTICLASS) {
      return (float) io.cellstream.learn.Targets.argmax(target, spec.outputSize());
    }
    return null;
  }

  /** Offsets for a position: earliest, latest, offset:N, or a time (ISO-8601 or epoch millis). */
  static Map<TopicPartition, Long> positions(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps,
      String pos, boolean isStart) {
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
    Map<TopicPartition, Long> end = consumer.endOffsets(tps);
    Map<TopicPartition, Long> out = new HashMap<>();
    String p = pos.trim().toLowerCase(Locale.ROOT);
    if (p.equals("earliest")) {
      return begin;
    }
    if (p.equals("latest")) {
      return end;
    }
    if (p.startsWith("offset:")) {
      long o = Long.parseLong(p.substring("offset:".length()));
      for (TopicPartition tp : tps) {
        out.put(tp, Math.max(begin.get(tp), Math.min(end.get(tp), o)));
      }
      return out;
    }
    long millis = CsvImport.parseTime(pos.trim(), CsvImport.TimeFormat.AUTO);
    Map<TopicPartition, Long> query = new HashMap<>();
    for (TopicPartition tp : tps) {
      query.put(tp, millis);
    }
    var found = consumer.offsetsForTimes(query);
    for (TopicPartition tp : tps) {
      var o = found.get(tp);
      out.put(tp, o == null ? end.get(tp) : o.offset());
    }
    return out;
  }

  private static byte[] findModel(Properties client, String topic, String key) {
    byte[] found = null;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client)) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            found = r.value();
          }
        }
      }
    }
    return found;
  }

  private static Properties clientProperties(Properties kafka) {
    Properties p = new Properties();
    for (String k : kafka.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(k)) {
        p.put(k, kafka.getProperty(k));
      }
    }
    return p;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Properties client) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static KafkaProducer<byte[], byte[]> producer(Properties client) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
