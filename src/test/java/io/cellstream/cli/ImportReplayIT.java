package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.stream.ModelRecords;
import io.cellstream.stream.ModelVersion;
import io.cellstream.stream.StreamSettings;
import io.cellstream.stream.TopicSetup;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * import and replay against a running broker and registry (the shared embedded pair, used as an external one:
 * the commands only get --bootstrap-servers and --schema-registry-url).
 */
@ExtendWith(SharedStackExtension.class)
class ImportReplayIT {

  record Run(int exit, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CellstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static List<String> common(String prefix) {
    return List.of("--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(),
        "--application-id", prefix + "-live",
        "--set", "cellstream.topic.events=" + prefix + "-events",
        "--set", "cellstream.topic.labels=" + prefix + "-labels",
        "--set", "cellstream.topic.predictions=" + prefix + "-predictions",
        "--set", "cellstream.topic.dead-letters=" + prefix + "-dead-letters",
        "--set", "cellstream.topic.models=" + prefix + "-models",
        "--set", "cellstream.model.name=m",
        "--set", "cellstream.model.input-size=2",
        "--set", "cellstream.model.hidden-size=8",
        "--set", "cellstream.window.steps=8",
        "--set", "cellstream.window.checkpoint-every=4",
        "--set", "cellstream.training.bptt-steps=4",
        "--set", "cellstream.training.batch-size=4",
        "--set", "cellstream.training.learning-rate=0.01",
        "--set", "cellstream.training.publish.every-examples=50");
  }

  /** The subcommand, then the shared options, then the command's own. */
  private static String[] args(List<String> common, String command, String... more) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(common);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  /** A CSV whose label needs one step of memory: was the entity's previous f1 positive? Plus five bad rows. */
  private static Path csv(Path dir, int entities, int perEntity) throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    StringBuilder b = new StringBuilder("card,ts,f1,f2,label\n");
    float[] previous = new float[entities];
    List<String> rows = new ArrayList<>();
    long t0 = 1_714_521_600_000L;
    for (int i = 0; i < perEntity; i++) {
      for (int e = 0; e < entities; e++) {
        float f1 = (float) r.nextGaussian();
        String label = i == 0 ? "" : (previous[e] > 0 ? "1" : "0");
        previous[e] = f1;
        rows.add(String.format(Locale.ROOT, "c%d,%d,%s,%s,%s", e, t0 + (long) (i * entities + e) * 1000, f1,
            (float) r.nextGaussian(), label));
      }
    }
    java.util.Collections.shuffle(rows, new java.util.Random(1)); // import sorts by time
    rows.forEach(x -> b.append(x).append('\n'));
    b.append("c1,2024-05-01T00:00:00Z,oops,1,0\n");
    b.append(",2024-05-01T00:00:00Z,1,1,0\n");
    b.append("c1,not-a-time,1,1,0\n");
    b.append("c1,2024-05-01T00:00:00Z,1,1,7\n");
    b.append("c1,2024-05-01T00:00:00Z,1\n");
    Path file = dir.resolve("tx.csv");
    Files.writeString(file, b.toString());
    return file;
  }

  @Test
  void importThenReplayFromAFreshModelLearnsAndLeavesTheLiveTopicsAlone(@TempDir Path dir) throws Exception {
    String prefix = SharedStack.uniqueName("imp");
    List<String> common = common(prefix);
    try (var admin = SharedStack.get().kafka().newAdmin()) {
      TopicSetup.ensure(admin, new StreamSettings.Topics(prefix + "-events", prefix + "-labels", prefix + "-predictions",
          prefix + "-dead-letters", prefix + "-models", prefix + "-live-training-examples"), 2, (short) 1, true);
    }
    Path file = csv(dir, 20, 150);
    Run imp = cli(args(common, "import", "--csv", file.toString(), "--entity", "card", "--time", "ts",
        "--features", "f*", "--target", "label", "--task", "binary"));
    assertThat(imp.exit()).as(imp.err()).isZero();
    assertThat(imp.out()).contains("imported 3000 events (2980 with a target) into " + prefix + "-events")
        .contains("skipped 5 of 3005 rows");
    assertThat(imp.err()).contains("line 3002, column f1: 'oops' is not a number")
        .contains("line 3003, column card: empty entity id")
        .contains("line 3005, column label: binary target must be 0 or 1, got 7.0")
        .contains("line 3006: has 3 fields, the header has 5");

    // In time order within each entity, as Avro through the registry.
    CellstreamSerdes serdes = CellstreamSerdes.using(SharedStack.registryClient());
    List<Event> imported = readAll(prefix + "-events", 2, v -> serdes.events().decode(prefix + "-events", v));
    assertThat(imported).hasSize(3000);
    Map<String, List<Long>> times = new java.util.HashMap<>();
    imported.forEach(e -> times.computeIfAbsent(e.getEntityId(), k -> new ArrayList<>()).add(e.getEventTime().toEpochMilli()));
    times.values().forEach(ts -> assertThat(ts).isSorted());

    Path reports = dir.resolve("report");
    Run replay = cli(args(common, "replay", "--report-dir", reports.toString(), "--json", "--replay-id", prefix + "-r1",
        "--lr-lstm", "0.02"));
    assertThat(replay.exit()).as(replay.err()).isZero();
    String[] lines = replay.out().strip().split("\n");
    JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(summary.path("models").has("lstm")).isTrue();
    assertThat(summary.path("models").has("nomemory")).isTrue();
    assertThat(summary.path("models").path("lstm").path("scored").asLong()).isEqualTo(2980);
    double lstmAuc = summary.path("models").path("lstm").path("auc").asDouble();
    double noMemoryAuc = summary.path("models").path("nomemory").path("auc").asDouble();
    System.out.printf("replay: lstm AUC %.3f, no-memory AUC %.3f%n", lstmAuc, noMemoryAuc);
    // Strictly prequential (the default): every event is predicted by a model that has learned from every label
    // before it, so the LSTM's curve is its learning curve, not the trainer's backlog.
    assertThat(lstmAuc).as("the LSTM learns a one-step memory task that the no-memory model cannot")
        .isGreaterThan(0.9).isGreaterThan(noMemoryAuc + 0.3);
    assertThat(noMemoryAuc).isLessThan(0.65);
    assertThat(Files.readString(reports.resolve("report.html"))).contains("<svg");
    JsonNode report = new ObjectMapper().readTree(reports.resolve("report.json").toFile());
    assertThat(report.path("run").path("pace").asText()).isEqualTo("strict");
    // the option given on the command line reached the service's LSTM, the configured ones stayed
    assertThat(report.path("run").path("lstm.learningRate").asDouble()).isCloseTo(0.02, within(1e-6));
    assertThat(report.path("run").path("lstm.batchSize").asInt()).isEqualTo(4);
    assertThat(report.path("run").path("lstm.examplesLearned").asLong()).isEqualTo(2980);

    // The live deployment saw none of it; the replay's own topics are gone.
    try (var admin = SharedStack.get().kafka().newAdmin()) {
      assertThat(admin.listConsumerGroups().all().get()).noneMatch(g -> g.groupId().equals(prefix + "-live"));
      assertThat(admin.listTopics().names().get()).noneMatch(t -> t.startsWith(prefix + "-r1-"));
      var end = admin.listOffsets(Map.of(new TopicPartition(prefix + "-predictions", 0),
          org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get();
      assertThat(end.values()).allMatch(o -> o.offset() == 0);
    }
  }

  @Test
  void replayFromAGivenLiveVersionPredictsWithIt(@TempDir Path dir) throws Exception {
    String prefix = SharedStack.uniqueName("rv");
    List<String> common = common(prefix);
    StreamSettings.Topics topics = new StreamSettings.Topics(prefix + "-events", prefix + "-labels", prefix + "-predictions",
        prefix + "-dead-letters", prefix + "-models", prefix + "-live-training-examples");
    try (var admin = SharedStack.get().kafka().newAdmin()) {
      TopicSetup.ensure(admin, topics, 2, (short) 1, true);
    }
    CellstreamSerdes serdes = CellstreamSerdes.using(SharedStack.registryClient());
    ModelSpec spec = new ModelSpec(2, 8, 1, Task.BINARY);
    ModelRecords records = new ModelRecords(serdes.models(), topics.models());
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(SharedStack.producerConfig())) {
      for (long v = 1; v <= 3; v++) {
        ModelVersion mv = new ModelVersion("m", Model.of(Init.uniform(spec, 100 + v), v, 1000 * v, 10 * v), "trained", v - 1, null);
        byte[] bytes = records.encode(mv);
        p.send(new ProducerRecord<>(topics.models(), ModelRecords.historyKey("m", v).getBytes(StandardCharsets.UTF_8), bytes)).get();
        p.send(new ProducerRecord<>(topics.models(), "m".getBytes(StandardCharsets.UTF_8), bytes)).get();
      }
    }
    Run imp = cli(args(common, "import", "--csv", csv(dir, 5, 20).toString(), "--entity", "card", "--time", "ts",
        "--features", "f1,f2", "--target", "label"));
    assertThat(imp.exit()).as(imp.err()).isZero();

    // Strict, in-process: version 2 as it is makes every prediction.
    Run strict = cli(args(common, "replay", "--from-version", "2", "--no-training", "--json",
        "--report-dir", dir.resolve("r1").toString()));
    assertThat(strict.exit()).as(strict.err()).isZero();
    assertThat(strict.err()).contains("starting from live version 2");
    JsonNode report = new ObjectMapper().readTree(dir.resolve("r1").resolve("report.json").toFile());
    assertThat(report.path("run").path("lstm.finalModelVersion").asLong()).isEqualTo(2);
    JsonNode lstm = null;
    for (JsonNode m : report.path("models")) {
      if (m.path("name").asText().equals("lstm")) {
        lstm = m;
      }
    }
    assertThat(lstm).isNotNull();
    assertThat(lstm.path("description").path("version").asLong()).isEqualTo(2);

    // Paced, through a private service instance: the same, on the replay's own topics (100 s of records at 1000x).
    Run replay = cli(args(common, "replay", "--from-version", "2", "--no-training", "--keep-topics", "--pace", "1000x",
        "--replay-id", prefix + "-r2", "--report-dir", dir.resolve("r2").toString()));
    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.err()).contains("starting from live version 2").contains("predicted 100 by versions v2..v2");
    List<Prediction> preds = readAll(prefix + "-r2-predictions", 2, v -> serdes.predictions().decode(prefix + "-r2-predictions", v));
    assertThat(preds).hasSize(100);
    assertThat(preds).extracting(Prediction::getModelVersion).containsOnly(2L);

    Run badPace = cli(args(common, "replay", "--pace", "fast"));
    assertThat(badPace.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(badPace.err()).contains("--pace must be strict, realtime or a speed-up such as 10x");

    Run missing = cli(args(common, "replay", "--from-version", "9", "--replay-id", prefix + "-r3"));
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("version 9 of model 'm' is not in the history");
  }

  @Test
  void importAsRecordRegistersTheInferredSchemaAndTheRecordsReadBackThroughTheRegistry(@TempDir Path dir) throws Exception {
    String topic = SharedStack.uniqueName("rec") + ".readings";
    try (var admin = SharedStack.get().kafka().newAdmin()) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 2, (short) 1))).all().get();
    }
    Path file = dir.resolve("readings.csv");
    Files.writeString(file, String.join("\n",
        "mote,reading,humidity,temperature,indoor,note",
        "m2,2,40.5,-1.5e1,true,",
        "m1,1,45.93,27.97,true,\"calm, dry\"",
        "m2,1,41,-14.25,false,\"said \"\"hi\"\"\"",
        "m1,2,,2.8E1,TRUE,plain",
        "m1,x,1,1,true,bad reading",
        ""));
    List<String> args = new ArrayList<>(List.of("import", "--bootstrap-servers", SharedStack.bootstrapServers(),
        "--schema-registry-url", SharedStack.schemaRegistryUrl(), "--csv", file.toString(), "--as-record", "--topic", topic,
        "--key", "mote", "--time", "reading", "--time-origin", "2010-05-09T00:00:00Z", "--time-step", "5s",
        "--time-field", "time", "--type", "reading=long"));
    Run imp = cli(args.toArray(String[]::new));
    assertThat(imp.exit()).as(imp.err()).isZero();
    assertThat(imp.out()).contains("imported 4 records (schema id ").contains(topic + "-value version 1) into " + topic)
        .contains("skipped 1 of 5 rows");
    assertThat(imp.err()).contains("line 6, column reading: 'x' is not a number of steps")
        .contains("humidity: double or null");

    // What the registry holds under the topic's subject is the schema the records were written with.
    var registry = SharedStack.registryClient();
    var latest = registry.latest(topic + "-value");
    org.apache.avro.Schema registered = new org.apache.avro.Schema.Parser().parse(latest.schema());
    assertThat(registered.getName()).isEqualTo(topic.replace('-', '_').replace('.', '_'));
    assertThat(registered.getFields()).extracting(org.apache.avro.Schema.Field::name)
        .containsExactly("mote", "reading", "humidity", "temperature", "indoor", "note", "time");

    record Read(String key, int schemaId, org.apache.avro.generic.GenericRecord value) {}
    List<Read> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(SharedStack.consumerConfig())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (read.size() < 4 && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          int id = io.cellstream.serde.WireFormat.schemaId(topic, r.value());
          org.apache.avro.Schema writer = registry.schemaById(id);
          var decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(r.value(), 5, r.value().length - 5, null);
          var value = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(writer)
              .read(null, decoder);
          assertThat(decoder.isEnd()).isTrue();
          read.add(new Read(new String(r.key(), StandardCharsets.UTF_8), id, value));
        }
      }
    }
    assertThat(read).hasSize(4);
    assertThat(read).extracting(Read::schemaId).containsOnly(latest.id());
    // Per key (one partition each), in time order: reading 1 before reading 2.
    long origin = java.time.Instant.parse("2010-05-09T00:00:00Z").toEpochMilli();
    Map<String, List<org.apache.avro.generic.GenericRecord>> byMote = new java.util.TreeMap<>();
    read.forEach(r -> byMote.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
    var m1 = byMote.get("m1");
    var m2 = byMote.get("m2");
    assertThat(m1).extracting(v -> v.get("reading")).containsExactly(1L, 2L);
    assertThat(m1).extracting(v -> v.get("time")).containsExactly(origin + 5000, origin + 10_000);
    assertThat(m1).extracting(v -> v.get("humidity")).containsExactly(45.93, null);
    assertThat(m1).extracting(v -> v.get("temperature")).containsExactly(27.97, 28.0);
    assertThat(m1).extracting(v -> v.get("note").toString()).containsExactly("calm, dry", "plain");
    assertThat(m2).extracting(v -> v.get("temperature")).containsExactly(-14.25, -15.0);
    assertThat(m2).extracting(v -> v.get("indoor")).containsExactly(false, true);
    assertThat(m2).extracting(v -> v.get("note") == null ? null : v.get("note").toString()).containsExactly("said \"hi\"", null);
    assertThat(m2).extracting(v -> v.get("mote").toString()).containsOnly("m2");

    // The same file again is the same schema: no new version, the same id.
    Run again = cli(args.toArray(String[]::new));
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("(schema id " + latest.id() + ", " + topic + "-value version 1)");
  }

  interface Decoder<T> {
    T decode(byte[] v) throws Exception;
  }

  static <T> List<T> readAll(String topic, int partitions, Decoder<T> decoder) throws Exception {
    Map<String, Object> c = SharedStack.consumerConfig();
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(decoder.decode(r.value()));
        }
      }
    }
    return out;
  }
}
