package io.cellstream.stream;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.serde.SerdeException;
import io.cellstream.testing.SharedStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Integration-test support on the shared real broker and registry: one deployment's topics and settings,
 * a producer of Avro events, a read_committed reader of predictions, in-process service instances, and the
 * engine run by hand for the expected predictions.
 */
final class LoopHarness implements AutoCloseable {

  final String prefix = SharedStack.uniqueName("it");
  final String applicationId = prefix + "-app";
  final StreamSettings settings;
  final CellstreamSerdes serdes;
  final int partitions;
  private final String bootstrapServers;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> predictions;
  private final List<CellstreamService> services = new ArrayList<>();
  // Recent, not a fixed date: record timestamps years old are deleted by the topic's time retention (7 days by
  // default) at the broker's next retention check, and a consumer then resumes at the end of an emptied log.
  private long time = System.currentTimeMillis();

  LoopHarness(ModelSpec spec, int partitions, boolean training, int window, int bptt, float learningRate, int batch,
      long publishEvery) throws InterruptedException {
    this(SharedStack.bootstrapServers(), SharedStack.registryClient(), spec, partitions, training, window, bptt,
        learningRate, batch, publishEvery);
  }

  /** On any Kafka and Confluent-compatible registry (the shared embedded pair, or Confluent's containers). */
  LoopHarness(String bootstrapServers, io.cellstream.serde.SchemaRegistryClient registry, ModelSpec spec, int partitions,
      boolean training, int window, int bptt, float learningRate, int batch, long publishEvery) throws InterruptedException {
    this.bootstrapServers = bootstrapServers;
    this.serdes = CellstreamSerdes.using(registry);
    this.partitions = partitions;
    StreamSettings.Topics topics = new StreamSettings.Topics(prefix + "-events", prefix + "-labels",
        prefix + "-predictions", prefix + "-dead-letters", prefix + "-models", prefix + "-training");
    // No replay: the loop tests count examples and updates one to one.
    LearnerSettings learner = LearnerSettings.DEFAULTS.withWindow(window, bptt).withCheckpointEvery(4)
        .withAdam(new AdamConfig(learningRate, 0.9f, 0.999f, 1e-8f)).withBatchSize(batch).withClipNorm(1.0f)
        .withReplay(0, 0).withPublish(publishEvery, Duration.ofSeconds(2)).withForgetBias(1.0f).withSeed(11L);
    this.settings = new StreamSettings(topics, "m", spec, learner, training, 1 << 20, true);
    try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      TopicSetup.ensure(admin, topics, partitions, (short) 1, true);
    }
    Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", bootstrapServers));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producer = new KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
    Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrapServers));
    c.put("group.id", prefix + "-reader");
    c.put("isolation.level", "read_committed");
    c.put("enable.auto.commit", false);
    predictions = new KafkaConsumer<>(c, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      tps.add(new TopicPartition(topics.predictions(), i));
    }
    predictions.assign(tps);
    predictions.seekToBeginning(tps);
  }

  /** Kafka Streams settings of one instance; each instance gets its own state directory. */
  Properties streamsProperties(String instance) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("application.id", applicationId);
    p.put("commit.interval.ms", "100");
    p.put("auto.offset.reset", "earliest");
    p.put("state.dir", stateDir(instance).toString());
    p.put("session.timeout.ms", "6000");
    p.put("heartbeat.interval.ms", "1000");
    return p;
  }

  Path stateDir(String instance) {
    return Path.of("target", "it-state", applicationId, instance).toAbsolutePath();
  }

  CellstreamService startService(String instance) {
    return startService(instance, LstmKernels.get());
  }

  CellstreamService startService(String instance, LstmKernel kernel) {
    CellstreamService s = new CellstreamService(settings, streamsProperties(instance), serdes, new SimpleMeterRegistry(), kernel);
    s.start();
    services.add(s);
    return s;
  }

  Event event(String entity, String eventId, float[] x, Float target) {
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    time += 10;
    return Event.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.ofEpochMilli(time))
        .setFeatures(f).setTarget(target).build();
  }

  /** The first failed send since the last flush; a lost event would otherwise show up as a missing prediction. */
  private final java.util.concurrent.atomic.AtomicReference<Exception> sendFailure = new java.util.concurrent.atomic.AtomicReference<>();

  void send(Event e) {
    byte[] value = serdes.events().encode(settings.topics().events(), e);
    producer.send(new ProducerRecord<>(settings.topics().events(), null, e.getEventTime().toEpochMilli(),
        e.getEntityId().getBytes(StandardCharsets.UTF_8), value), (md, ex) -> {
          if (ex != null) {
            sendFailure.compareAndSet(null, ex);
          }
        });
  }

  void flush() {
    producer.flush();
    Exception failed = sendFailure.getAndSet(null);
    if (failed != null) {
      throw new IllegalStateException("an event was not written to " + settings.topics().events(), failed);
    }
  }

  void publishModel(ModelVersion v) throws Exception {
    ModelRecords records = new ModelRecords(serdes.models(), settings.topics().models());
    producer.send(new ProducerRecord<>(settings.topics().models(), v.name().getBytes(StandardCharsets.UTF_8),
        records.encode(v))).get();
  }

  /** Every committed prediction so far (read_committed), in arrival order; accumulates across calls. */
  private final List<Prediction> seen = new ArrayList<>();

  List<Prediction> predictions() throws SerdeException {
    for (ConsumerRecord<byte[], byte[]> r : predictions.poll(Duration.ofMillis(200))) {
      seen.add(serdes.predictions().decode(settings.topics().predictions(), r.value()));
    }
    return seen;
  }

  /**
   * Records in the predictions topic counted read_uncommitted: when fewer predictions than expected are
   * visible read_committed, this tells "not produced" from "produced but not committed (an open transaction)".
   */
  long predictionsIncludingUncommitted() {
    Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrapServers));
    c.put("isolation.level", "read_uncommitted");
    try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(c, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        tps.add(new TopicPartition(settings.topics().predictions(), i));
      }
      // End offsets include transaction markers, so this is an upper bound on data records; good enough to tell.
      return raw.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** A deterministic stream: {@code entities} entities, each with {@code perEntity} events, interleaved at random. */
  static List<Event> stream(LoopHarness h, int entities, int perEntity, long seed, java.util.function.BiFunction<Integer, float[], Float> target) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] next = new int[entities];
    List<Event> out = new ArrayList<>();
    int total = entities * perEntity;
    while (out.size() < total) {
      int e = r.nextInt(entities);
      if (next[e] == perEntity) {
        continue;
      }
      float[] x = new float[h.settings.spec().inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      out.add(h.event("e" + e, "e" + e + "-" + next[e], x, target == null ? null : target.apply(e, x)));
      next[e]++;
    }
    return out;
  }

  /** The predictions an uninterrupted run with version 1 makes: the engine run by hand, entity by entity. */
  Map<String, float[]> expectedWithVersion1(List<Event> events) {
    ModelSpec spec = settings.spec();
    Model v1 = Model.of(Init.uniform(spec, settings.seed(), settings.forgetBias()), 1, 0, 0);
    LstmKernel kernel = LstmKernels.get();
    StepWorkspace ws = kernel.newWorkspace(spec);
    Map<String, float[][]> states = new HashMap<>();
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Event e : events) {
      float[][] s = states.computeIfAbsent(e.getEntityId(), k -> new float[][] {new float[spec.hiddenSize()], new float[spec.hiddenSize()]});
      float[] x = new float[spec.inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = e.getFeatures().get(i);
      }
      float[] y = new float[spec.outputSize()];
      kernel.step(v1, x, 0, s[0], s[1], null, y, ws);
      out.put(e.getEventId(), y);
    }
    return out;
  }

  static float[] outputs(Prediction p) {
    float[] y = new float[p.getOutputs().size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = p.getOutputs().get(i);
    }
    return y;
  }

  @Override
  public void close() {
    for (CellstreamService s : services) {
      s.close(Duration.ofSeconds(20));
    }
    producer.close();
    predictions.close();
  }
}
