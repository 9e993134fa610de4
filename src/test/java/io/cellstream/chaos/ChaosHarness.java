package io.cellstream.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.state.TrainerCommand;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import io.cellstream.stream.StreamSettings;
import io.cellstream.stream.TopicSetup;
import io.cellstream.testing.CellstreamProcess;
import io.cellstream.testing.SharedStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One deployment under chaos: its topics on the chaos broker, `cellstream run` instances in child JVMs (started,
 * stopped, killed), a producer that remembers where every record it wrote landed, and a tally of what came out —
 * read read_committed, decoded without the registry (the output schemas are this build's), so that counting works
 * while the registry is paused.
 *
 * <p>Every input record is one of two kinds: an event, which must end as exactly one prediction or one dead letter;
 * a label, which must end as exactly one training example or one dead letter.
 */
final class ChaosHarness implements AutoCloseable {

  static final int PARTITIONS = 4;
  private static final Pattern HTTP_LINE = Pattern.compile("HTTP on http://127\\.0\\.0\\.1:(\\d+) ");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** An input record as written: its kind, where it landed, and what it names. */
  record Sent(boolean event, String entityId, String eventId, int partition, long offset) {}

  final String name;
  final String app;
  final StreamSettings.Topics topics;
  final String bootstrap;
  final String registryUrl;
  final Path dir;
  final AvroSerde<Event> events;
  final AvroSerde<Label> labels;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, Sent> sent = new ConcurrentHashMap<>(); // "topic/partition/offset"
  private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
  private final List<CellstreamProcess> instances = new ArrayList<>();
  private final Map<CellstreamProcess, Integer> ports = new HashMap<>();

  ChaosHarness(String name, String bootstrap, SchemaRegistryClient registry, String registryUrl, Path dir)
      throws InterruptedException {
    this.name = name;
    this.app = SharedStack.uniqueName("chaos-" + name);
    this.topics = new StreamSettings.Topics(app + "-events", app + "-labels", app + "-predictions",
        app + "-dead-letters", app + "-models", app + "-training-examples");
    this.bootstrap = bootstrap;
    this.registryUrl = registryUrl;
    this.dir = dir.resolve(app);
    this.events = new AvroSerde<>(Event.class, registry);
    this.labels = new AvroSerde<>(Label.class, registry);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicSetup.ensure(admin, topics, PARTITIONS, (short) 1, true);
    }
    Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Through a broker restart: keep retrying for minutes rather than give an event up.
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
    // Poison of up to 1 MB must reach the broker: its limit, not ours, is what the service faces.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  // ------------------------------------------------------------------ instances

  /** {@code cellstream run} for this deployment in a child JVM, with {@code extra} settings on top. */
  CellstreamProcess start(String instance, Map<String, String> extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("run", "--bootstrap-servers", bootstrap,
        "--schema-registry-url", registryUrl, "--application-id", app, "--http-port", "0"));
    Map<String, String> set = new LinkedHashMap<>();
    set.put("cellstream.topic.events", topics.events());
    set.put("cellstream.topic.labels", topics.labels());
    set.put("cellstream.topic.predictions", topics.predictions());
    set.put("cellstream.topic.dead-letters", topics.deadLetters());
    set.put("cellstream.topic.models", topics.models());
    set.put("cellstream.topics.partitions", String.valueOf(PARTITIONS));
    set.put("cellstream.model.input-size", "3");
    set.put("cellstream.model.hidden-size", "8");
    set.put("cellstream.training.publish.every-examples", "20");
    set.put("cellstream.shutdown.timeout-seconds", "30");
    // Each instance its own state directory, kept across its restarts (the same instance comes back with its state).
    set.put("state.dir", dir.resolve(instance.replaceAll("-again.*", "")).toString());
    set.putAll(extra);
    set.forEach((k, v) -> {
      cmd.add("--set");
      cmd.add(k + "=" + v);
    });
    CellstreamProcess p = CellstreamProcess.command(cmd).outputIn(dir).name(instance).start();
    instances.add(p);
    return p;
  }

  /** Waits until the instance has logged its HTTP port and answers ready; returns the port. */
  int awaitReady(CellstreamProcess p, Duration timeout) {
    int port = await().atMost(timeout).alias("the HTTP line of " + p.stderrFile()).until(() -> {
      assertThat(p.isAlive()).as(p::describe).isTrue();
      Matcher m = HTTP_LINE.matcher(p.stderr());
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }, v -> v > 0);
    ports.put(p, port);
    await().atMost(timeout).alias("ready: " + p.stderrFile()).until(() -> ready(p).status() == 200);
    return port;
  }

  /** GET /health/ready of an instance: the status and the body. */
  record Answer(int status, String body) {}

  Answer ready(CellstreamProcess p) {
    Integer port = ports.get(p);
    if (port == null) {
      return new Answer(0, "no port yet");
    }
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Answer(0, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, "interrupted");
    }
  }

  /** SIGTERM and the exit code (within 60 s). */
  int terminate(CellstreamProcess p) throws InterruptedException {
    p.terminate();
    assertThat(p.waitFor(Duration.ofSeconds(60))).as("exits after SIGTERM: %s", p.stderrFile()).isTrue();
    return p.exitValue();
  }

  /** No stream thread of the instance failed or was replaced, by its log. */
  static void assertNoThreadDied(CellstreamProcess p) {
    assertThat(p.stderr()).as("the log of %s", p.stderrFile())
        .doesNotContain("stream thread failed").doesNotContain("StreamThread: Encountered the following exception");
  }

  // ------------------------------------------------------------------ input

  void sendEvent(String entity, String eventId, float[] x, Float target) {
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    Event e = Event.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.now()).setFeatures(f)
        .setTarget(target).build();
    send(true, topics.events(), entity.getBytes(StandardCharsets.UTF_8), events.encode(topics.events(), e), entity, eventId);
  }

  void sendLabel(String entity, String eventId, float target) {
    Label l = Label.newBuilder().setEntityId(entity).setEventId(eventId).setTarget(target).build();
    send(false, topics.labels(), entity.getBytes(StandardCharsets.UTF_8), labels.encode(topics.labels(), l), entity, eventId);
  }

  /** Any bytes on the events ({@code event}) or labels topic; {@code entity} and {@code eventId} as far as known. */
  void send(boolean event, String topic, byte[] key, byte[] value, String entity, String eventId) {
    producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), key, value), (RecordMetadata md, Exception ex) -> {
      if (ex != null) {
        sendFailure.compareAndSet(null, ex);
      } else {
        sent.put(topic + "/" + md.partition() + "/" + md.offset(), new Sent(event, entity, eventId, md.partition(), md.offset()));
      }
    });
  }

  void flush() {
    producer.flush();
    Exception e = sendFailure.get();
    if (e != null) {
      throw new IllegalStateException("a record was not written", e);
    }
  }

  long eventsIn() {
    return sent.values().stream().filter(Sent::event).count();
  }

  long labelsIn() {
    return sent.values().stream().filter(s -> !s.event()).count();
  }

  // ------------------------------------------------------------------ output

  /** Everything that came out, read_committed, and how it accounts for what went in. */
  record Tally(long eventsIn, long labelsIn, List<Prediction> predictions, List<DeadLetter> deadLetters,
      List<TrainingExample> examples, List<Long> modelTimes, long eventDeadLetters, long labelDeadLetters,
      long duplicates, long missingEvents, long missingLabels, Map<String, Long> reasons) {

    long predictedEvents() {
      return predictions.stream().map(p -> p.getEntityId() + "/" + p.getEventId()).distinct().count();
    }

    long labelsLearned() {
      return examples.stream().map(e -> e.entityId() + "/" + e.eventId()).distinct().count();
    }

    /** Every input accounted for exactly once. */
    boolean complete() {
      return missingEvents == 0 && missingLabels == 0;
    }
  }

  Tally tally() {
    flush();
    List<Prediction> predictions = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topics.predictions())) {
      predictions.add(decode(r.value(), Prediction.class));
    }
    List<DeadLetter> dead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topics.deadLetters())) {
      dead.add(decode(r.value(), DeadLetter.class));
    }
    List<TrainingExample> examples = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topics.trainingExamples())) {
      if (r.value() != null && !TrainerCommand.isCommand(r.value())) {
        examples.add(TrainingExampleCodec.decode(r.value()));
      }
    }
    List<Long> modelTimes = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topics.models())) {
      if (r.value() != null && r.key() != null && !new String(r.key(), StandardCharsets.UTF_8).contains("@")) {
        modelTimes.add(r.timestamp());
      }
    }
    Map<String, Long> reasons = new TreeMap<>();
    long eventDead = 0;
    long labelDead = 0;
    long duplicates = 0;
    Map<String, Integer> deadByInput = new HashMap<>();
    for (DeadLetter d : dead) {
      reasons.merge(d.getReason(), 1L, Long::sum);
      String at = d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset();
      if (deadByInput.merge(at, 1, Integer::sum) > 1) {
        duplicates++;
      }
      if (d.getSourceTopic().equals(topics.events())) {
        eventDead++;
      } else if (d.getSourceTopic().equals(topics.labels())) {
        labelDead++;
      }
    }
    Map<String, Integer> predicted = new HashMap<>();
    for (Prediction p : predictions) {
      if (predicted.merge(p.getEntityId() + "/" + p.getEventId(), 1, Integer::sum) > 1) {
        duplicates++;
      }
    }
    Map<String, Integer> learned = new HashMap<>();
    for (TrainingExample e : examples) {
      if (learned.merge(e.entityId() + "/" + e.eventId() + "/" + e.labelledStep(), 1, Integer::sum) > 1) {
        duplicates++;
      }
    }
    // Each input: its dead letter (by where it landed), else its prediction or example (by what it names).
    long missingEvents = 0;
    long missingLabels = 0;
    Map<String, Long> examplesLeft = new HashMap<>();
    for (TrainingExample e : examples) {
      examplesLeft.merge(e.entityId() + "/" + e.eventId(), 1L, Long::sum);
    }
    for (Map.Entry<String, Sent> e : sent.entrySet()) {
      Sent s = e.getValue();
      if (deadByInput.containsKey(e.getKey())) {
        if (s.event() && predicted.containsKey(s.entityId() + "/" + s.eventId())) {
          duplicates++; // a dead letter and a prediction for one event
        }
        continue;
      }
      String id = s.entityId() + "/" + s.eventId();
      if (s.event()) {
        if (!predicted.containsKey(id)) {
          missingEvents++;
        }
      } else {
        Long n = examplesLeft.get(id);
        if (n == null || n == 0) {
          missingLabels++;
        } else {
          examplesLeft.put(id, n - 1);
        }
      }
    }
    return new Tally(eventsIn(), labelsIn(), predictions, dead, examples, modelTimes, eventDead, labelDead, duplicates,
        missingEvents, missingLabels, reasons);
  }

  /** Waits until every input is accounted for; returns the tally. */
  Tally awaitAllAccountedFor(Duration timeout) {
    AtomicReference<Tally> last = new AtomicReference<>();
    try {
      await().atMost(timeout).pollInterval(Duration.ofSeconds(1)).until(() -> {
        Tally t = tally();
        last.set(t);
        return t.complete();
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Tally t = last.get();
      throw new AssertionError("not every input accounted for after " + timeout + ": " + (t == null ? "no tally"
          : t.missingEvents() + " events and " + t.missingLabels() + " labels missing of " + t.eventsIn() + " and "
              + t.labelsIn() + "; instance logs in " + dir), e);
    }
    return last.get();
  }

  /** Every record of {@code topic} up to its end (read_committed), from the beginning. */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
    c.put("isolation.level", "read_committed");
    c.put("enable.auto.commit", false);
    c.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
    c.put("fetch.max.bytes", 16 * 1024 * 1024);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30)); // read_committed: the LSO
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " up to " + end);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** The Avro body of a wire-format record, with this build's schema (the one the service writes with). */
  static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) {
    try {
      SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
      return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read a " + type.getSimpleName(), e);
    }
  }

  /**
   * The longest time any predictions partition went without a prediction across {@code at} (ms): how long the
   * partitions of a stopped instance sat idle before another took them over.
   */
  static long longestPauseAcross(Tally t, long at) {
    // Per entity: an entity stays on one partition, so its predictions stand for its partition's.
    Map<String, List<Long>> byEntity = new HashMap<>();
    for (Prediction p : t.predictions()) {
      byEntity.computeIfAbsent(p.getEntityId(), k -> new ArrayList<>()).add(p.getPredictionTime().toEpochMilli());
    }
    long longest = 0;
    for (List<Long> times : byEntity.values()) {
      times.sort(Long::compare);
      for (int i = 1; i < times.size(); i++) {
        if (times.get(i - 1) <= at && times.get(i) >= at) {
          longest = Math.max(longest, times.get(i) - times.get(i - 1));
        }
      }
    }
    return longest;
  }

  /** The time between the two model versions published around {@code at} (ms): how long the trainer sat idle. */
  static long trainerPauseAcross(Tally t, long at) {
    List<Long> times = new ArrayList<>(t.modelTimes());
    times.sort(Long::compare);
    for (int i = 1; i < times.size(); i++) {
      if (times.get(i - 1) <= at && times.get(i) >= at) {
        return times.get(i) - times.get(i - 1);
      }
    }
    return -1;
  }

  @Override
  public void close() {
    for (CellstreamProcess p : instances) {
      p.close();
    }
    producer.close(Duration.ofSeconds(10));
  }
}
