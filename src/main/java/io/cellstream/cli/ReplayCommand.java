package io.cellstream.cli;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
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
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.serde.SerdeException;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.ModelRecords;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cellstream replay}: prequential evaluation over a range of a historical events topic. The range (and
 * the labels from its start on) is copied into topics of the replay's own, and a service instance with its own
 * application id runs over them, so the live service on the same topics is untouched. Starts from a fresh
 * model or from a given version on the live models topic. Same report as the demo.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {
        "Replays a range of the events topic (and the labels topic from the range's start on) through a private",
        "instance of the service — its own application id and topics, so a live service is untouched — and",
        "evaluates it test-then-train against the labels, beside in-process baselines. Writes the same HTML/JSON",
        "report as the demo. Uses the same configuration as 'run' (--config, --set, ...) for the topics and the model."})
public final class ReplayCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(names = "--from", paramLabel = "POS", defaultValue = "earliest",
      description = "Start: earliest, latest, an ISO-8601 time (2024-05-01T00:00:00Z) or epoch millis of the record timestamps, or offset:N. Default: ${DEFAULT-VALUE}.")
  String from;

  @Option(names = "--to", paramLabel = "POS", defaultValue = "latest",
      description = "End (exclusive), same forms as --from. Default: ${DEFAULT-VALUE} (what is there when the replay starts).")
  String to;

  @Option(names = "--from-version", paramLabel = "N",
      description = "Start from version N of the live model (from the models topic's history) instead of a fresh version 1.")
  Long fromVersion;

  @Option(names = "--no-training", description = "Evaluate the starting model as it is, without learning from the labels.")
  boolean noTraining;

  @Option(names = "--baselines", paramLabel = "M,...", split = ",",
      description = "In-process baselines beside the LSTM: rnn, nomemory, majority, lastvalue, mean. Default: nomemory and majority (classification) or lastvalue and mean (regression).")
  List<String> baselines;

  @Mixin LearnerOptions learners;

  @Option(names = "--replay-id", paramLabel = "ID",
      description = "Application id and topic prefix of the replay. Default: <application.id>-replay-<time>.")
  String replayId;

  @Option(names = "--keep-topics", description = "Keep the replay's topics afterwards (default: deleted).")
  boolean keepTopics;

  @Option(names = "--metric-window", paramLabel = "N", defaultValue = "2000", description = "Scored pairs in the sliding window. Default: ${DEFAULT-VALUE}.")
  int metricWindow;

  @Option(names = "--report-dir", paramLabel = "DIR", description = "Where to write report.html and report.json. Default: reports/replay-<time>.")
  Path reportDir;

  @Option(names = "--json", description = "End with one line of JSON: per model the final windowed metrics.")
  boolean json;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "1800", description = "Give up when the replay has not finished after this long. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    CellstreamConfig live;
    try {
      live = CellstreamConfig.from(config.settings(Map.of()));
    } catch (ConfigException | java.io.IOException e) {
      err.println("cellstream replay: " + e.getMessage());
      return RunCommand.EXIT_CONFIG;
    }
    String id = replayId != null ? replayId : live.applicationId() + "-replay-" + stamp;
    StreamSettings.Topics source = live.stream().topics();
    StreamSettings.Topics topics = new StreamSettings.Topics(id + "-events", id + "-labels", id + "-predictions",
        id + "-dead-letters", id + "-models", id + "-training-examples");
    try {
      ServiceRunner.checkKafka(live.kafka());
    } catch (ServiceRunner.UnreachableException e) {
      err.println("cellstream replay: " + e.getMessage());
      return RunCommand.EXIT_UNREACHABLE;
    }
    Properties client = clientProperties(live.kafka());
    ModelSpec modelSpec = live.stream().spec();
    try (Admin admin = Admin.create(client);
         SchemaRegistryClient registry = new SchemaRegistryClient(live.schemaRegistryUrl(), live.schemaRegistryBasicAuth(), Duration.ofSeconds(10))) {
      CellstreamSerdes serdes = CellstreamSerdes.using(registry);
      int partitions = admin.describeTopics(List.of(source.events())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(source.events()).partitions().size();
      List<NewTopic> create = new ArrayList<>();
      Map<String, String> keepForever = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"); // copies keep their original timestamps
      create.add(new NewTopic(topics.events(), partitions, (short) -1).configs(keepForever));
      create.add(new NewTopic(topics.labels(), partitions, (short) -1).configs(keepForever));
      admin.createTopics(create).all().get(30, TimeUnit.SECONDS);
      err.printf(Locale.ROOT, "replay %s: copying %s [%s, %s) and %s from %s on ...%n", id, source.events(), from, to,
          source.labels(), from);
      err.flush();

      // 1. Copy the range, naming events without an id by their source position so labels still find them.
      List<StreamRecord> records = new ArrayList<>();
      Map<String, Integer> indexOfEvent = new HashMap<>();
      long copied = copy(client, source.events(), topics.events(), partitions, from, to, serdes, records, modelSpec, true);
      long labelsCopied = copy(client, source.labels(), topics.labels(), partitions, from, "latest", serdes, records, modelSpec, false);
      records.sort(java.util.Comparator.comparingLong(ReplayCommand::timeOf));
      indexOfEvent.clear();
      for (int i = 0; i < records.size(); i++) {
        if (records.get(i) instanceof TaskEvent e) {
          indexOfEvent.put(e.entityId() + "\u0000" + e.eventId(), i);
        }
      }
      err.printf(Locale.ROOT, "  copied %d events and %d labels%n", copied, labelsCopied);
      if (copied == 0) {
        err.println("cellstream replay: the range holds no events");
        return 1;
      }

      // 2. The starting model: a given live version, or none (the trainer publishes a fresh version 1).
      if (fromVersion != null) {
        byte[] snapshot = findModel(client, source.models(), ModelRecords.historyKey(live.stream().modelName(), fromVersion));
        if (snapshot == null) {
          err.println("cellstream replay: version " + fromVersion + " of model '" + live.stream().modelName()
              + "' is not in the history on " + source.models());
          return 1;
        }
        admin.createTopics(List.of(new NewTopic(topics.models(), 1, (short) -1)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(30, TimeUnit.SECONDS);
        ModelRecords liveRecords = new ModelRecords(serdes.models(), source.models());
        ModelRecords replayRecords = new ModelRecords(serdes.models(), topics.models());
        var version = liveRecords.decode(snapshot);
        try (KafkaProducer<byte[], byte[]> p = producer(client)) {
          byte[] value = replayRecords.encode(version);
          String name = live.stream().modelName();
          p.send(new ProducerRecord<>(topics.models(), ModelRecords.historyKey(name, fromVersion).getBytes(StandardCharsets.UTF_8), value)).get();
          p.send(new ProducerRecord<>(topics.models(), name.getBytes(StandardCharsets.UTF_8), value)).get();
        }
        err.printf(Locale.ROOT, "  starting from live version %d%n", fromVersion);
      }

      // 3. The replay's own service instance.
      Settings s = config.settings(Map.of());
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

      TaskInfo info = TaskInfo.custom("replay of " + source.events(), modelSpec.task(), modelSpec.inputSize(),
          modelSpec.outputSize(), replay.stream().training().bpttSteps());
      EvalOptions options = EvalOptions.DEFAULTS.withWindow(metricWindow).withMaxPending(Math.max(1_000_000, records.size() + 1));
      EvalSession session = new EvalSession(info, options);
      List<String> names = baselines != null ? baselines
          : (modelSpec.task() == io.cellstream.lstm.Task.REGRESSION ? List.of("lastvalue", "mean") : List.of("nomemory", "majority"));
      learners.learners(info, names, 1).forEach(session::add);
      ModelTrack lstm = session.addExternal("lstm");

      long started = System.nanoTime();
      ServiceRunner runner = ServiceRunner.start(replay, false);
      long predicted = 0;
      long deadLetters = 0;
      int accepted = 0;
      try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, null)) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          tps.add(new TopicPartition(topics.predictions(), p));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long nextProgress = System.nanoTime();
        while (predicted + (long) runner.service().metrics().deadLettersTotal() < copied) {
          if (System.nanoTime() > deadline) {
            err.printf("cellstream replay: timed out with %d of %d events predicted%n", predicted, copied);
            return 1;
          }
          if (!runner.service().isAlive()) {
            err.println("cellstream replay: the replay's stream processing failed: " + runner.service().fatalError());
            return RunCommand.EXIT_FAILED;
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            Prediction pr = serdes.predictions().decode(topics.predictions(), r.value());
            Integer at = indexOfEvent.get(pr.getEntityId() + "\u0000" + pr.getEventId());
            if (at != null) {
              while (accepted <= at) {
                session.accept(records.get(accepted++)); // the baselines advance with the LSTM
              }
            }
            float[] y = new float[pr.getOutputs().size()];
            for (int i = 0; i < y.length; i++) {
              y[i] = pr.getOutputs().get(i);
            }
            lstm.prediction(pr.getEntityId(), pr.getEventId(), y);
            predicted++;
          }
          if (System.nanoTime() >= nextProgress) {
            var v = runner.service().models().current();
            err.printf(Locale.ROOT, "[%5.0fs] predicted %d/%d  model v%d%n", (System.nanoTime() - started) / 1e9, predicted,
                copied, v == null ? 0 : v.version());
            err.flush();
            nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
          }
        }
        deadLetters = (long) runner.service().metrics().deadLettersTotal();
      } finally {
        runner.close(Duration.ofSeconds(30));
      }
      while (accepted < records.size()) {
        session.accept(records.get(accepted++)); // labels after the last prediction
      }
      session.finish();
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("mode", "replay of a topic range through a private service instance");
      run.put("source", source.events());
      run.put("from", from);
      run.put("to", to);
      run.put("events", copied);
      run.put("labels", labelsCopied);
      run.put("startModel", fromVersion == null ? "fresh version 1" : "live version " + fromVersion);
      run.put("training", !noTraining);
      run.put("replayId", id);
      run.put("deadLetters", deadLetters);
      run.put("seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
      EvalResult result = session.result(run);
      Path dir = reportDir != null ? reportDir : Path.of("reports", "replay-" + stamp);
      ReportWriter.ReportFiles files = ReportWriter.write(result, dir);
      String metric = info.primaryMetric();
      out.printf(Locale.ROOT, "replay of %d events: %s over the last %d scored%n", copied, metric, metricWindow);
      for (ModelResult m : result.models()) {
        out.printf(Locale.ROOT, "  %-10s %.4f (all: %.4f, %d scored)%n", m.name(), m.metric(metric).window(),
            m.metric(metric).cumulative(), m.scored());
      }
      out.println("report: " + files.html().toAbsolutePath());
      if (json) {
        out.println(ReportWriter.summaryLine(result));
      }
      out.flush();
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
      return 0;
    }
  }


  private static long timeOf(StreamRecord r) {
    return switch (r) {
      case TaskEvent e -> e.eventTimeMillis();
      case TaskLabel l -> l.labelTimeMillis();
    };
  }

  /**
   * Copies [from, to) of {@code topic} into {@code into}, partition by partition, keeping keys, timestamps and
   * order; collects the records for the evaluation. Events without an id get their source position as id.
   */
  private long copy(Properties client, String topic, String into, int partitions, String from, String to,
      CellstreamSerdes serdes, List<StreamRecord> records, ModelSpec spec, boolean events) throws Exception {
    long n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, null);
         KafkaProducer<byte[], byte[]> producer = producer(client)) {
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
          try {
            if (events) {
              Event e = serdes.events().decode(topic, value);
              if (e.getEventId() == null) {
                e.setEventId(topic + "-" + r.partition() + "-" + r.offset());
                value = serdes.events().encode(into, e);
              }
              if (usable(e, r.key(), spec)) { // the others become dead letters in the replay, as they would live
                records.add(toTaskEvent(e));
              }
            } else {
              Label l = serdes.labels().decode(topic, value);
              if (l.getTarget() != null && l.getEventId() != null) {
                long t = l.getLabelTime() != null ? l.getLabelTime().toEpochMilli() : r.timestamp();
                records.add(new TaskLabel(l.getEntityId(), l.getEventId(), t, l.getTarget()));
              }
            }
          } catch (SerdeException | RuntimeException ex) {
            // Copied as it is: the replay's service sends it to its dead-letter topic, like the live one would.
          }
          producer.send(new ProducerRecord<>(into, r.partition(), r.timestamp(), r.key(), value, r.headers()));
          n++;
        }
        // Positions, not record offsets: transaction markers take offsets but are never returned as records.
        for (TopicPartition tp : tps) {
          if (consumer.position(tp) >= end.get(tp)) {
            done.put(tp, true);
          }
        }
      }
      producer.flush();
    }
    return n;
  }

  /** Whether the service will predict this event (and not dead-letter it): the same checks, in short. */
  private static boolean usable(Event e, byte[] key, ModelSpec spec) {
    if (e.getEntityId() == null || e.getEntityId().isBlank() || key == null
        || !e.getEntityId().equals(new String(key, StandardCharsets.UTF_8))
        || e.getFeatures().size() != spec.inputSize()) {
      return false;
    }
    for (Float f : e.getFeatures()) {
      if (f == null || !Float.isFinite(f)) {
        return false;
      }
    }
    if (e.getTarget() != null || e.getTargetVector() != null) {
      try {
        io.cellstream.stream.Targets.toVector(spec, e.getTarget(), e.getTargetVector(), new float[spec.outputSize()]);
      } catch (io.cellstream.stream.Targets.InvalidTargetException ex) {
        return false;
      }
    }
    return true;
  }

  private static TaskEvent toTaskEvent(Event e) {
    float[] x = new float[e.getFeatures().size()];
    for (int i = 0; i < x.length; i++) {
      Float f = e.getFeatures().get(i);
      x[i] = f == null ? Float.NaN : f;
    }
    boolean inline = e.getTarget() != null;
    return new TaskEvent(e.getEntityId(), e.getEventId(), e.getEventTime().toEpochMilli(), x,
        inline ? e.getTarget() : null, inline ? LabelMode.INLINE : LabelMode.DELAYED, EventRole.STEP, 0, 0, 0, 0);
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
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, null)) {
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

  private static KafkaConsumer<byte[], byte[]> consumer(Properties client, String group) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
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
