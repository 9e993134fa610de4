package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Prediction;
import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.Settings;
import io.cellstream.lstm.InputStatistics;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.WireFormat;
import io.cellstream.stream.ModelVersion;
import io.cellstream.testing.SharedStack;
import io.cellstream.testing.SharedStackExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The user's own topics on the real broker and the Apicurio registry, configured with the documented keys only
 * ({@code cellstream.input.*}, {@code cellstream.features}, {@code cellstream.labels.*}) and run as {@code run} runs
 * ({@link ServiceRunner}): a registered Avro schema with nested fields, keyed by something else than the entity (so
 * repartitioned), with bad fields among good ones; the normalisation statistics learned, published with the versions
 * and continued after a restart; and a JSON topic with JSON labels.
 */
@ExtendWith(SharedStackExtension.class)
class UserTopicIT {

  private static final String PAYMENT = """
      {"type": "record", "name": "Payment", "namespace": "it.shop", "fields": [
        {"name": "paymentId", "type": "string"},
        {"name": "card", "type": {"type": "record", "name": "Card", "fields": [
          {"name": "id", "type": "long"},
          {"name": "network", "type": "string"}]}},
        {"name": "amount", "type": ["null", "double"], "default": null},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "fraud", "type": ["null", "int"], "default": null}]}""";

  /** The same record with the amount as text: another producer's schema, read by its id. */
  private static final String PAYMENT_AMOUNT_AS_TEXT = PAYMENT.replace("\"name\": \"Payment\"", "\"name\": \"PaymentText\"")
      .replace("[\"null\", \"double\"]", "[\"null\", \"string\"]");

  private final String prefix = SharedStack.uniqueName("user-topic");
  private final Path stateDir = Path.of("target", "it-state", prefix).toAbsolutePath();

  private Settings settings(Map<String, String> mapping) throws IOException {
    Files.createDirectories(stateDir);
    Map<String, String> set = new HashMap<>();
    set.put("application.id", prefix + "-app");
    set.put("bootstrap.servers", SharedStack.bootstrapServers());
    set.put("schema.registry.url", SharedStack.schemaRegistryUrl());
    for (String t : List.of("events", "labels", "predictions", "dead-letters", "models")) {
      set.put("cellstream.topic." + t, prefix + "-" + t);
    }
    set.put("cellstream.topics.partitions", "3");
    set.put("cellstream.topics.replication-factor", "1");
    set.put("cellstream.model.hidden-size", "8");
    set.put("cellstream.training.publish.every-examples", "25");
    set.put("cellstream.training.replay.updates-per-example", "1");
    set.put("num.standby.replicas", "0");
    set.put("commit.interval.ms", "100");
    set.put("state.dir", stateDir.toString());
    set.putAll(mapping);
    return new Settings().withDefaults(CellstreamConfig.defaults()).withCommandLine(set);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(SharedStack.producerConfig());
  }

  private static byte[] avro(int schemaId, GenericRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
    enc.flush();
    return WireFormat.frame(schemaId, out.toByteArray());
  }

  private static GenericRecord payment(Schema schema, String id, long card, Object amount, long at, Integer fraud) {
    GenericRecord c = new GenericData.Record(schema.getField("card").schema());
    c.put("id", card);
    c.put("network", card % 2 == 0 ? "visa" : "mc");
    GenericRecord p = new GenericData.Record(schema);
    p.put("paymentId", id);
    p.put("card", c);
    p.put("amount", amount);
    p.put("at", at);
    p.put("fraud", fraud);
    return p;
  }

  /** Every record of a topic so far, read_committed. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(SharedStack.consumerConfig())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(300)).forEach(out::add);
      }
    }
    return out;
  }

  @Test
  void aNestedAvroTopicKeyedByAnythingIsLearnedWithStatisticsThatSurviveARestart() throws Exception {
    Settings s = settings(Map.of(
        "cellstream.input.format", "avro",
        "cellstream.input.entity", "card.id",
        "cellstream.input.time", "at",
        "cellstream.input.event-id", "paymentId",
        "cellstream.input.target", "fraud",
        "cellstream.features", "num(amount), log(amount), cat(card.network, 4), hour(at), since(at), prev_target()"));
    CellstreamConfig config = CellstreamConfig.from(s);
    assertThat(config.stream().spec().inputSize()).as("D follows from the features").isEqualTo(1 + 1 + 4 + 2 + 1 + 2);
    String events = config.stream().topics().events();
    Schema schema = new Schema.Parser().parse(PAYMENT);
    Schema asText = new Schema.Parser().parse(PAYMENT_AMOUNT_AS_TEXT);
    int id = SharedStack.registryClient().register(events + "-value", schema);
    int textId = SharedStack.registryClient().register(prefix + "-other-value", asText);
    AvroSerde<Prediction> predictions = new AvroSerde<>(Prediction.class, SharedStack.registryClient());
    AvroSerde<DeadLetter> deadLetters = new AvroSerde<>(DeadLetter.class, SharedStack.registryClient());

    SplittableRandom r = new SplittableRandom(5);
    long now = System.currentTimeMillis();
    int good = 0;
    InputStatistics before;
    long examplesBefore;
    try (ServiceRunner a = ServiceRunner.start(config, false); KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 120; i++) {
        long card = r.nextInt(8);
        double amount = Math.round(Math.exp(r.nextDouble() * 7) * 100) / 100.0;
        // every other payment keyed by a session: those go through <application.id>-events-by-entity
        String key = i % 2 == 0 ? Long.toString(card) : "session-" + r.nextInt(50);
        GenericRecord pay = payment(schema, "pay-" + i, card, amount, now + i * 1000L, amount > 300 ? 1 : 0);
        p.send(new ProducerRecord<>(events, null, now, key.getBytes(StandardCharsets.UTF_8), avro(id, pay)));
        good++;
      }
      // bad fields: no amount (num(amount) has no default), the amount as text
      p.send(new ProducerRecord<>(events, null, now, "x".getBytes(StandardCharsets.UTF_8),
          avro(id, payment(schema, "bad-1", 3, null, now, null))));
      p.send(new ProducerRecord<>(events, null, now, "x".getBytes(StandardCharsets.UTF_8),
          avro(textId, payment(asText, "bad-2", 3, "ten", now, null))));
      p.flush();

      List<ConsumerRecord<byte[], byte[]>> preds = readAll(config.stream().topics().predictions(), good);
      assertThat(preds).hasSize(good);
      List<Prediction> decoded = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> rec : preds) {
        Prediction pr = predictions.decode(rec.topic(), rec.value());
        decoded.add(pr);
        assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(pr.getEntityId()); // keyed by the card now
      }
      assertThat(decoded).extracting(Prediction::getEventId).doesNotHaveDuplicates()
          .allMatch(e -> e.startsWith("pay-"));
      assertThat(decoded).extracting(Prediction::getEntityId).allMatch(e -> e.matches("[0-7]"));

      List<DeadLetter> dls = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> rec : readAll(config.stream().topics().deadLetters(), 2)) {
        dls.add(deadLetters.decode(rec.topic(), rec.value()));
      }
      assertThat(dls).extracting(DeadLetter::getReason).containsExactlyInAnyOrder("missing-field", "malformed-field");
      assertThat(dls).extracting(DeadLetter::getField).containsOnly("amount");

      // the trainer learned the statistics and published them with the parameters
      long examples = (long) a.service().metrics().examples();
      assertThat(examples).isGreaterThan(100);
      await().atMost(Duration.ofSeconds(60)).until(() -> a.service().models().current() != null
          && a.service().models().current().model().examplesSeen() >= examples);
      ModelVersion v = a.service().models().current();
      before = v.model().statistics();
      examplesBefore = v.model().examplesSeen();
      assertThat(before.features()).isEqualTo(config.stream().mapping().canonicalFeatures());
      assertThat(before.columns()).containsExactly(0, 1);
      assertThat(before.count(0)).isGreaterThan(examples); // every step of every example
      assertThat(before.mean(1)).isBetween(2.0, 6.0);     // ln(1 + amount), amounts of e^0..e^7

      // a prediction names the version that made it: once a learned version is out, the next event is stepped by it
      // (the 120 above may all have been stepped by version 1 on a busy machine, before the trainer's first publish)
      p.send(new ProducerRecord<>(events, null, now, "0".getBytes(StandardCharsets.UTF_8),
          avro(id, payment(schema, "pay-after-publish", 0, 12.5, now + 119_500L, 0))));
      p.flush();
      good++;
      List<ConsumerRecord<byte[], byte[]>> withNext = readAll(config.stream().topics().predictions(), good);
      assertThat(withNext).hasSize(good);
      Prediction next = null;
      for (ConsumerRecord<byte[], byte[]> rec : withNext) {
        Prediction pr = predictions.decode(rec.topic(), rec.value());
        if (pr.getEventId().equals("pay-after-publish")) {
          next = pr;
        }
      }
      assertThat(next).as("the prediction for pay-after-publish").isNotNull();
      assertThat(next.getModelVersion()).isGreaterThanOrEqualTo(v.version()).isGreaterThan(1);

      // what went round the repartition topic and is committed is deleted from it (as the service does every 30 s)
      String byEntity = config.stream().topics().eventsByEntity();
      try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", SharedStack.bootstrapServers()))) {
        io.cellstream.stream.RepartitionPurge.of(config.stream(), config.applicationId()).run(admin);
        var earliest = new HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
        for (int i = 0; i < 3; i++) {
          earliest.put(new org.apache.kafka.common.TopicPartition(byEntity, i), org.apache.kafka.clients.admin.OffsetSpec.earliest());
        }
        long deleted = admin.listOffsets(earliest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        assertThat(deleted).as("records deleted from %s", byEntity).isGreaterThan(40);
      }
    }

    // A restart: the trainer continues its statistics from its store (not from zero) with the next examples.
    try (ServiceRunner b = ServiceRunner.start(CellstreamConfig.from(s), false); KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 120; i < 170; i++) {
        long card = r.nextInt(8);
        double amount = Math.round(Math.exp(r.nextDouble() * 7) * 100) / 100.0;
        p.send(new ProducerRecord<>(events, null, now, Long.toString(card).getBytes(StandardCharsets.UTF_8),
            avro(id, payment(schema, "pay-" + i, card, amount, now + i * 1000L, amount > 300 ? 1 : 0))));
      }
      p.flush();
      assertThat(readAll(config.stream().topics().predictions(), good + 50)).hasSize(good + 50);
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        ModelVersion v = b.service().models().current();
        return v != null && v.model().examplesSeen() >= examplesBefore + 40;
      });
      InputStatistics after = b.service().models().current().model().statistics();
      assertThat(after.sameLayout(before)).isTrue();
      assertThat(after.count(0)).as("continued from %s, not started afresh", before.count(0))
          .isGreaterThan(before.count(0));
    }
  }

  @Test
  void aJsonTopicWithJsonLabelsKeyedByNothing() throws Exception {
    Settings s = settings(Map.of(
        "cellstream.input.format", "json",
        "cellstream.input.entity", "user",
        "cellstream.input.time", "ts",
        "cellstream.input.event-id", "id",
        "cellstream.features", "num(x), bool(flag), weekday(ts), prev_target()",
        "cellstream.labels.format", "json",
        "cellstream.labels.entity", "user",
        "cellstream.labels.event-id", "of",
        "cellstream.labels.target", "clicked"));
    CellstreamConfig config = CellstreamConfig.from(s);
    StreamTopics t = new StreamTopics(config);
    long now = System.currentTimeMillis();
    try (ServiceRunner a = ServiceRunner.start(config, false); KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 120; i++) {
        String user = "u" + (i % 6);
        String json = String.format(Locale.ROOT, "{\"id\": \"v%d\", \"user\": \"%s\", \"ts\": \"%s\", \"x\": %d, \"flag\": %b}",
            i, user, java.time.Instant.ofEpochMilli(now + i * 60_000L), i % 7, i % 2 == 0);
        p.send(new ProducerRecord<>(t.events, null, now, user.getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
      assertThat(readAll(t.predictions, 120)).hasSize(120);
      for (int i = 0; i < 120; i += 2) {
        String label = String.format(Locale.ROOT, "{\"user\": \"u%d\", \"of\": \"v%d\", \"clicked\": %d}", i % 6, i, i % 4 == 0 ? 1 : 0);
        p.send(new ProducerRecord<>(t.labels, null, now, null, label.getBytes(StandardCharsets.UTF_8)));
      }
      p.send(new ProducerRecord<>(t.labels, null, now, null, "{\"user\": \"u1\", \"clicked\": 1}".getBytes(StandardCharsets.UTF_8)));
      p.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> a.service().metrics().examples() >= 60
          && a.service().metrics().deadLettersTotal() >= 1);
      assertThat(a.service().metrics().examples()).isEqualTo(60);
      AvroSerde<DeadLetter> deadLetters = new AvroSerde<>(DeadLetter.class, SharedStack.registryClient());
      ConsumerRecord<byte[], byte[]> dl = readAll(t.deadLetters, 1).getFirst();
      DeadLetter d = deadLetters.decode(dl.topic(), dl.value());
      assertThat(d.getReason()).isEqualTo("missing-field");
      assertThat(d.getField()).isEqualTo("of");
    }

    // replay reads the same records through the same input layer, for the LSTM and its baselines alike
    List<String> args = new ArrayList<>(List.of("replay", "--json"));
    for (var e : s.all().entrySet()) {
      if (!"default".equals(e.getValue().source())) {
        args.add("--set");
        args.add(e.getKey() + "=" + e.getValue().value());
      }
    }
    List<String> strict = new ArrayList<>(args);
    strict.addAll(List.of("--report-dir", stateDir.resolve("report").toString()));
    ImportReplayIT.Run replay = ImportReplayIT.cli(strict.toArray(new String[0]));
    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.err()).contains("120 events and 61 labels (1 of them unusable");
    String[] lines = replay.out().strip().split("\n");
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
    for (String model : List.of("lstm", "nomemory", "majority")) {
      assertThat(summary.path("models").path(model).path("scored").asLong()).as(model).isEqualTo(60);
    }

    // paced: the copies go through a private service instance with the same input settings
    args.addAll(List.of("--pace", "100000x", "--replay-id", prefix + "-paced", "--report-dir",
        stateDir.resolve("paced").toString()));
    ImportReplayIT.Run paced = ImportReplayIT.cli(args.toArray(new String[0]));
    assertThat(paced.exit()).as(paced.err()).isZero();
    lines = paced.out().strip().split("\n");
    summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(summary.path("models").path("lstm").path("scored").asLong()).isEqualTo(60);
  }

  private record StreamTopics(String events, String labels, String predictions, String deadLetters) {
    StreamTopics(CellstreamConfig c) {
      this(c.stream().topics().events(), c.stream().topics().labels(), c.stream().topics().predictions(),
          c.stream().topics().deadLetters());
    }
  }
}
