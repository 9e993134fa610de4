package io.cellstream.stream;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.InMemorySchemaRegistry;
import io.cellstream.serde.SerdeException;
import io.cellstream.testing.SharedStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The real topology under {@link TopologyTestDriver}, with the real Avro serdes against an in-memory schema
 * registry of its own (held to the same contract as the real one, see {@code RegistryContract}): no broker, no
 * registry process.
 */
final class TopologyFixture implements AutoCloseable {

  final StreamSettings settings;
  final CellstreamSerdes serdes;
  final StreamMetrics metrics = StreamMetrics.inMemory();
  final ModelHolder models;
  final LstmKernel kernel = LstmKernels.get();
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> events;
  final TestInputTopic<byte[], byte[]> labels;
  final TestInputTopic<byte[], byte[]> modelsIn;
  final TestOutputTopic<byte[], byte[]> predictions;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  final TestOutputTopic<byte[], byte[]> training;
  final TestOutputTopic<byte[], byte[]> modelsOut;
  final ModelRecords modelRecords;
  final RecordLimits limits;
  final ServiceHealth health = new ServiceHealth();
  private long time = 1_700_000_000_000L;
  private final String stateDir;

  static StreamSettings.Topics uniqueTopics() {
    String prefix = SharedStack.uniqueName("tt"); // a name only: no broker is started
    return new StreamSettings.Topics(prefix + "-events", prefix + "-labels",
        prefix + "-predictions", prefix + "-dead-letters", prefix + "-models", prefix + "-training");
  }

  static StreamSettings settings(ModelSpec spec, boolean training, int window, int every, int bptt, int batch, long publishEvery) {
    StreamSettings.Topics topics = uniqueTopics();
    // No replay: these tests count examples and updates one to one.
    LearnerSettings learner = LearnerSettings.DEFAULTS.withWindow(window, bptt).withCheckpointEvery(every)
        .withAdam(new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f)).withBatchSize(batch).withClipNorm(1.0f).withReplay(0, 0)
        .withPublish(publishEvery, Duration.ofSeconds(5)).withForgetBias(1.0f).withSeed(7L);
    return new StreamSettings(topics, "m", spec, learner, training, 4096, true);
  }

  static StreamSettings small(boolean training) {
    return settings(new ModelSpec(3, 5, 1, Task.BINARY), training, 8, 4, 6, 4, 8);
  }

  TopologyFixture(StreamSettings settings) {
    this(settings, RecordLimits.kafkaDefaults());
  }

  /** With the record limits a cluster would report (TopologyTestDriver itself enforces none: tests check them). */
  TopologyFixture(StreamSettings settings, RecordLimits limits) {
    this(settings, limits, java.util.Map.of());
  }

  /** With more Kafka Streams settings (e.g. the state stores' sizing from the service's configuration). */
  TopologyFixture(StreamSettings settings, RecordLimits limits, java.util.Map<String, String> streamsProperties) {
    this.settings = settings;
    this.limits = limits;
    this.serdes = CellstreamSerdes.using(new InMemorySchemaRegistry());
    this.models = new ModelHolder(settings.modelName(), settings.spec(),
        settings.mapping().layout(settings.spec().inputSize()), metrics);
    this.modelRecords = new ModelRecords(serdes.models(), settings.topics().models());
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ttd");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Path.of("target", "ttd-state", String.valueOf(System.nanoTime())).toAbsolutePath().toString());
    props.putAll(streamsProperties);
    this.stateDir = props.getProperty(StreamsConfig.STATE_DIR_CONFIG);
    driver = new TopologyTestDriver(CellstreamTopology.build(settings, serdes, models, metrics, kernel, () -> limits,
        health), props,
        Instant.ofEpochMilli(time));
    var t = settings.topics();
    var bs = new ByteArraySerializer();
    var bd = new ByteArrayDeserializer();
    events = driver.createInputTopic(t.events(), bs, bs);
    labels = driver.createInputTopic(t.labels(), bs, bs);
    modelsIn = driver.createInputTopic(t.models(), bs, bs);
    predictions = driver.createOutputTopic(t.predictions(), bd, bd);
    deadLetters = driver.createOutputTopic(t.deadLetters(), bd, bd);
    training = driver.createOutputTopic(t.trainingExamples(), bd, bd);
    modelsOut = driver.createOutputTopic(t.models(), bd, bd);
  }

  static byte[] key(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  Event event(String entity, String eventId, float[] x, Float target) {
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    time += 1000;
    return Event.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.ofEpochMilli(time))
        .setFeatures(f).setTarget(target).build();
  }

  /** Moves the fixture's clock (event and label record times) forward. */
  void advance(long millis) {
    time += millis;
  }

  void send(Event e) {
    events.pipeInput(key(e.getEntityId()), serdes.events().encode(settings.topics().events(), e), e.getEventTime());
  }

  void sendLabel(String entity, String eventId, float target) {
    sendLabel(entity, eventId, target, time);
  }

  /** A label whose record timestamp is {@code timestamp}. */
  void sendLabel(String entity, String eventId, float target, long timestamp) {
    Label l = Label.newBuilder().setEntityId(entity).setEventId(eventId).setTarget(target).build();
    labels.pipeInput(key(entity), serdes.labels().encode(settings.topics().labels(), l), timestamp);
  }

  Prediction prediction(byte[] bytes) throws SerdeException {
    return serdes.predictions().decode(settings.topics().predictions(), bytes);
  }

  List<Prediction> readPredictions() throws SerdeException {
    List<Prediction> out = new ArrayList<>();
    for (byte[] v : predictions.readValuesToList()) {
      out.add(prediction(v));
    }
    return out;
  }

  /** The dead letters' records as they would go to the broker (key, value, headers), decoded alongside. */
  List<org.apache.kafka.streams.test.TestRecord<byte[], byte[]>> readDeadLetterRecords() {
    return deadLetters.readRecordsToList();
  }

  DeadLetter deadLetter(byte[] value) throws SerdeException {
    return serdes.deadLetters().decode(settings.topics().deadLetters(), value);
  }

  List<DeadLetter> readDeadLetters() throws SerdeException {
    List<DeadLetter> out = new ArrayList<>();
    for (byte[] v : deadLetters.readValuesToList()) {
      out.add(serdes.deadLetters().decode(settings.topics().deadLetters(), v));
    }
    return out;
  }

  @Override
  public void close() {
    driver.close();
  }

  /** The driver's state directory. */
  String stateDir() {
    return stateDir;
  }
}
