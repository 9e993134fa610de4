package io.cellstream.stream;

import io.cellstream.lstm.LstmKernel;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole loop as one Kafka Streams topology, built apart from main() and configuration so that tests
 * drive the very same one.
 *
 * <pre>
 * events ──► step ───────────────► predictions
 *              │ └──(inline label, held label)──► training-examples
 * labels ──► label-join ─────────► training-examples       (step and label-join share entity-state and
 *              (early labels held in entity-state)            held-label-deadlines)
 *   (both) ─── bad input ────────► dead-letters
 *   a user format's records keyed by something else than their entity:
 *   step ──► events-by-entity (keyed by entity) ──► step;  label-join ──► labels-by-entity ──► label-join
 * training-examples (1 partition) ──► trainer ──► models   (trainer-state: params, Adam, pending)
 * models ──► model-loader ──► global store models-global ──► ModelHolder (every instance)
 * </pre>
 */
public final class CellstreamTopology {

  // Stores
  public static final String ENTITY_STORE = "entity-state";
  public static final String TRAINER_STORE = "trainer-state";
  public static final String MODELS_STORE = "models-global";
  /** When each entity's oldest held label is due: 8-byte big-endian stream time + entity id. */
  public static final String HELD_LABELS_STORE = "held-label-deadlines";
  // Nodes
  public static final String EVENTS_SOURCE = "events-source";
  public static final String LABELS_SOURCE = "labels-source";
  public static final String TRAINING_SOURCE = "training-examples-source";
  /** The repartition topic of a user format's events keyed by something else than their entity, read back. */
  public static final String EVENTS_BY_ENTITY_SOURCE = "events-by-entity-source";
  public static final String LABELS_BY_ENTITY_SOURCE = "labels-by-entity-source";
  public static final String EVENTS_BY_ENTITY_SINK = "events-by-entity-sink";
  public static final String LABELS_BY_ENTITY_SINK = "labels-by-entity-sink";
  public static final String MODELS_SOURCE = "models-source";
  public static final String STEP = "step";
  public static final String LABEL_JOIN = "label-join";
  public static final String TRAINER = "trainer";
  public static final String MODEL_LOADER = "model-loader";
  public static final String PREDICTIONS_SINK = "predictions-sink";
  public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
  public static final String TRAINING_SINK = "training-examples-sink";
  public static final String MODELS_SINK = "models-sink";

  private CellstreamTopology() {}

  /** The topology with Kafka's default record limits and health of its own: for TopologyTestDriver tests. */
  public static Topology build(StreamSettings settings, CellstreamSerdes serdes, ModelHolder models,
      StreamMetrics metrics, LstmKernel kernel) {
    return build(settings, serdes, models, metrics, kernel, RecordLimits::kafkaDefaults, new ServiceHealth());
  }

  /**
   * @param limits what the producer and the topics accept, read when the processors start (the service reads
   *               them from the cluster before it starts Kafka Streams)
   * @param health where threads waiting for the schema registry say so, for readiness
   */
  public static Topology build(StreamSettings settings, CellstreamSerdes serdes, ModelHolder models,
      StreamMetrics metrics, LstmKernel kernel, Supplier<RecordLimits> limits, ServiceHealth health) {
    StreamSettings.Topics topics = settings.topics();
    RegistryRetry registry = new RegistryRetry(health, metrics);
    ModelRecords modelRecords = new ModelRecords(serdes.models(), topics.models());
    InitialModel initial = new InitialModel(settings, modelRecords);
    Topology t = new Topology();

    // Events: one LSTM step per event.
    t.addSource(EVENTS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.events());
    boolean eventsByEntity = settings.mapping().repartitionsEvents();
    if (eventsByEntity) {
      t.addSource(EVENTS_BY_ENTITY_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.eventsByEntity());
    }
    t.addProcessor(STEP, () -> new StepProcessor(settings, models, initial, serdes.inputReader(settings),
        serdes.predictions(), deadLetters(serdes, settings, metrics, limits, registry), metrics, kernel, limits, registry),
        eventsByEntity ? new String[] {EVENTS_SOURCE, EVENTS_BY_ENTITY_SOURCE} : new String[] {EVENTS_SOURCE});

    // Delayed labels: matched against the same entity's window.
    t.addSource(LABELS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.labels());
    boolean labelsByEntity = settings.mapping().repartitionsLabels();
    if (labelsByEntity) {
      t.addSource(LABELS_BY_ENTITY_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.labelsByEntity());
    }
    t.addProcessor(LABEL_JOIN, () -> new LabelProcessor(settings, serdes.inputReader(settings),
        deadLetters(serdes, settings, metrics, limits, registry), metrics, limits, registry),
        labelsByEntity ? new String[] {LABELS_SOURCE, LABELS_BY_ENTITY_SOURCE} : new String[] {LABELS_SOURCE});
    if (eventsByEntity) {
      t.addSink(EVENTS_BY_ENTITY_SINK, topics.eventsByEntity(), new ByteArraySerializer(), new ByteArraySerializer(), STEP);
    }
    if (labelsByEntity) {
      t.addSink(LABELS_BY_ENTITY_SINK, topics.labelsByEntity(), new ByteArraySerializer(), new ByteArraySerializer(),
          LABEL_JOIN);
    }

    StoreBuilder<KeyValueStore<String, byte[]>> entityStore = Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(ENTITY_STORE), Serdes.String(), Serdes.ByteArray());
    StoreBuilder<KeyValueStore<Bytes, byte[]>> heldLabels = Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(HELD_LABELS_STORE), Serdes.Bytes(), Serdes.ByteArray());
    if (settings.delivery().lowLatency()) {
      // Not cached: each memory goes to its changelog when it is written, before the prediction it made is sent
      // (the step's order), so that a prediction a consumer has seen always has its memory, input position and kept
      // prediction behind it after a crash (Redelivery). A cache would hold them back to the next commit while the
      // predictions went out.
      entityStore.withCachingDisabled();
      heldLabels.withCachingDisabled();
    } else {
      // Cached: an entity seen several times within a commit interval is written to RocksDB and its
      // changelog once, at the commit, not once per event (the transaction commits them together anyway).
      entityStore.withCachingEnabled();
      heldLabels.withCachingEnabled();
    }
    t.addStateStore(entityStore, STEP, LABEL_JOIN);
    t.addStateStore(heldLabels, STEP, LABEL_JOIN);

    t.addSink(PREDICTIONS_SINK, topics.predictions(), new ByteArraySerializer(), new ByteArraySerializer(), STEP);
    t.addSink(DEAD_LETTERS_SINK, topics.deadLetters(), new ByteArraySerializer(), new ByteArraySerializer(), STEP, LABEL_JOIN);
    t.addSink(TRAINING_SINK, topics.trainingExamples(), new ByteArraySerializer(), new ByteArraySerializer(), STEP, LABEL_JOIN);

    // The trainer: one task (the training topic has one partition), failover by Kafka Streams.
    t.addSource(TRAINING_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.trainingExamples());
    t.addProcessor(TRAINER, () -> new TrainerProcessor(settings, modelRecords, initial, metrics, kernel, registry), TRAINING_SOURCE);
    StoreBuilder<KeyValueStore<String, byte[]>> trainerStore = Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(TRAINER_STORE), Serdes.String(), Serdes.ByteArray())
        // Cached: the trainer rewrites its parameters after every update; the changelog gets the last ones per commit.
        .withCachingEnabled();
    t.addStateStore(trainerStore, TRAINER);
    t.addSink(MODELS_SINK, topics.models(), new ByteArraySerializer(), new ByteArraySerializer(), TRAINER);

    // Every instance holds every model version and swaps to the newest between records.
    StoreBuilder<KeyValueStore<String, byte[]>> modelsStore = Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(MODELS_STORE), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled();
    t.addGlobalStore(modelsStore, MODELS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
        topics.models(), MODEL_LOADER, () -> new ModelLoader(settings.modelName(), modelRecords, models, registry));
    return t;
  }

  private static DeadLetters deadLetters(CellstreamSerdes serdes, StreamSettings settings, StreamMetrics metrics,
      Supplier<RecordLimits> limits, RegistryRetry registry) {
    return new DeadLetters(serdes.deadLetters(), settings.topics().deadLetters(), DEAD_LETTERS_SINK, metrics,
        settings.input(), limits, registry);
  }
}
