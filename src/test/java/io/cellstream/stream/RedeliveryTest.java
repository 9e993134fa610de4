package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.input.DeadLetterReason;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.InMemorySchemaRegistry;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * Low-latency mode: a record delivered again after a crash is applied to the memory once. Drives the real step and
 * label-join processors on a mock context whose record position the test sets, over stores that outlive a processor
 * (a new processor over them is the instance after a restart, the memory as the crash left it).
 */
class RedeliveryTest {

  /** Two processors over one task's stores, and what they forwarded. */
  private static final class Task0 {
    final StreamSettings settings;
    final CellstreamSerdes serdes = CellstreamSerdes.using(new InMemorySchemaRegistry());
    final StreamMetrics metrics = StreamMetrics.inMemory();
    final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>(new Properties());
    final KeyValueStore<String, byte[]> entities;
    StepProcessor step;
    LabelProcessor labels;
    long time = 1_700_000_000_000L;

    Task0(Delivery delivery, boolean training) {
      this(TopologyFixture.small(training).withDelivery(delivery));
    }

    Task0(StreamSettings settings) {
      this.settings = settings;
      entities = store(CellstreamTopology.ENTITY_STORE, Serdes.String());
      store(CellstreamTopology.HELD_LABELS_STORE, Serdes.Bytes());
      store(CellstreamTopology.MODELS_STORE, Serdes.String());
      context.setCurrentStreamTimeMs(1_700_000_000_000L);
      context.setCurrentSystemTimeMs(1_700_000_000_000L);
      restart();
    }

    private <K> KeyValueStore<K, byte[]> store(String name, org.apache.kafka.common.serialization.Serde<K> keys) {
      KeyValueStore<K, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, Serdes.ByteArray())
          .withLoggingDisabled().build();
      s.init(context.getStateStoreContext(), s);
      context.addStateStore(s);
      return s;
    }

    /** New processors over the same stores: an instance after a restart. */
    void restart() {
      ServiceHealth health = new ServiceHealth();
      RegistryRetry registry = new RegistryRetry(health, metrics);
      ModelHolder models = new ModelHolder(settings.modelName(), settings.spec(), metrics);
      InitialModel initial = new InitialModel(settings, new ModelRecords(serdes.models(), settings.topics().models()));
      DeadLetters dead = new DeadLetters(serdes.deadLetters(), settings.topics().deadLetters(),
          CellstreamTopology.DEAD_LETTERS_SINK, metrics, settings.input(), RecordLimits::kafkaDefaults, registry);
      step = new StepProcessor(settings, models, initial, serdes.inputReader(settings), serdes.predictions(), dead, metrics,
          LstmKernels.get(), RecordLimits::kafkaDefaults, registry);
      step.init(context);
      labels = new LabelProcessor(settings, serdes.inputReader(settings), dead, metrics, RecordLimits::kafkaDefaults, registry);
      labels.init(context);
    }

    byte[] event(String entity, String eventId, Float target) {
      time += 1000;
      Event e = Event.newBuilder().setEntityId(entity).setEventId(eventId).setEventTime(Instant.ofEpochMilli(time))
          .setFeatures(List.of(0.1f * eventId.length(), -0.3f, (float) Math.sin(time))).setTarget(target).build();
      return serdes.events().encode(settings.topics().events(), e);
    }

    byte[] label(String entity, String eventId, float target) {
      Label l = Label.newBuilder().setEntityId(entity).setEventId(eventId).setTarget(target).build();
      return serdes.labels().encode(settings.topics().labels(), l);
    }

    /** The event record at (partition 0, {@code offset}) of the events topic, processed; what it forwarded. */
    List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> deliverEvent(long offset, String entity,
        byte[] value) {
      return deliverEvent(settings.topics().events(), offset, entity, value);
    }

    List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> deliverEvent(String topic, long offset,
        String entity, byte[] value) {
      context.resetForwards();
      context.setRecordMetadata(topic, 0, offset);
      step.process(new Record<>(entity.getBytes(StandardCharsets.UTF_8), value, time));
      return new ArrayList<>(context.forwarded());
    }

    List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> deliverLabel(long offset, String entity,
        byte[] value) {
      context.resetForwards();
      context.setRecordMetadata(settings.topics().labels(), 0, offset);
      labels.process(new Record<>(entity.getBytes(StandardCharsets.UTF_8), value, time));
      return new ArrayList<>(context.forwarded());
    }

    EntityState memory(String entity) {
      ModelSpec spec = settings.spec();
      EntityState s = new EntityState(spec.inputSize(), spec.hiddenSize(), spec.outputSize(), settings.windowSteps(),
          settings.checkpointEvery());
      s.keepEmissions(settings.delivery().emissionsKept());
      new EntityStateCodec().decode(entities.get(entity), s);
      return s;
    }

    DeadLetter deadLetter(byte[] bytes) throws Exception {
      return serdes.deadLetters().decode(settings.topics().deadLetters(), bytes);
    }
  }

  private static List<byte[]> to(List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> out, String sink) {
    return out.stream().filter(f -> f.childName().orElse("").equals(sink)).map(f -> (byte[]) f.record().value()).toList();
  }

  @Test
  void anEventDeliveredAgainDoesNotAdvanceTheMemoryAndItsPredictionComesAgainByteForByte() throws Exception {
    Task0 t = new Task0(Delivery.LOW_LATENCY, false);
    List<byte[]> values = new ArrayList<>();
    List<byte[]> firstPredictions = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      values.add(t.event("a", "a-" + i, null));
      firstPredictions.add(to(t.deliverEvent(i, "a", values.get(i)), CellstreamTopology.PREDICTIONS_SINK).getFirst());
      t.deliverEvent(100 + i, "b", t.event("b", "b-" + i, null)); // another entity of the partition in between
    }
    byte[] memoryBefore = t.entities.get("a");
    assertThat(t.memory("a").eventsSeen).isEqualTo(6);

    // The crash: the memory was written up to offset 5, the commit was at offset 2; a new instance gets 3.. again.
    t.restart();
    for (int i = 3; i < 6; i++) {
      var out = t.deliverEvent(i, "a", values.get(i));
      assertThat(out).as("offset %d: one record, the prediction", i).hasSize(1);
      assertThat(to(out, CellstreamTopology.PREDICTIONS_SINK).getFirst())
          .as("offset %d: the same key, event id, model version, outputs, prediction time and eventsSeen", i)
          .isEqualTo(firstPredictions.get(i));
      assertThat(out.getFirst().record().key()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(t.entities.get("a")).as("the memory is not written at all").isEqualTo(memoryBefore);
    assertThat(t.memory("a").eventsSeen).isEqualTo(6);
    assertThat(t.metrics.redeliveredCount(Redelivery.Outcome.EVENT_RE_EMITTED)).isEqualTo(3);

    // The next new event is stepped as usual, from the memory after offset 5.
    var next = t.deliverEvent(6, "a", t.event("a", "a-6", null));
    assertThat(to(next, CellstreamTopology.PREDICTIONS_SINK)).hasSize(1);
    assertThat(t.memory("a").eventsSeen).isEqualTo(7);
    assertThat(t.memory("a").inputOffset).isEqualTo(6);
  }

  @Test
  void anEventOlderThanTheKeptPredictionsIsADeadLetterNotASecondStep() throws Exception {
    Task0 t = new Task0(Delivery.LOW_LATENCY.withKeptPredictions(3), false);
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      values.add(t.event("a", "a-" + i, null));
      t.deliverEvent(i, "a", values.get(i));
    }
    byte[] memoryBefore = t.entities.get("a");
    t.restart();
    var out = t.deliverEvent(1, "a", values.get(1)); // kept: offsets 3, 4, 5
    assertThat(to(out, CellstreamTopology.PREDICTIONS_SINK)).isEmpty();
    List<byte[]> dead = to(out, CellstreamTopology.DEAD_LETTERS_SINK);
    assertThat(dead).hasSize(1);
    DeadLetter d = t.deadLetter(dead.getFirst());
    assertThat(d.getReason()).isEqualTo("redelivered-not-kept");
    assertThat(d.getOffset()).isEqualTo(1);
    assertThat(d.getValue().array()).as("the event's own bytes").isEqualTo(values.get(1));
    assertThat(d.getMessage()).contains("not stepped again").contains("kept-predictions = 3").contains("offset 3");
    assertThat(t.entities.get("a")).isEqualTo(memoryBefore);
    assertThat(t.metrics.deadLetters(DeadLetterReason.REDELIVERED_NOT_KEPT)).isEqualTo(1);
    assertThat(t.metrics.redeliveredCount(Redelivery.Outcome.EVENT_NOT_KEPT)).isEqualTo(1);
    // A kept one still comes again.
    assertThat(to(t.deliverEvent(4, "a", values.get(4)), CellstreamTopology.PREDICTIONS_SINK)).hasSize(1);
  }

  @Test
  void theInlineLabelOfAnEventDeliveredAgainIsSentAgainAsTheSameExample() {
    Task0 t = new Task0(Delivery.LOW_LATENCY, true);
    byte[] labelled = t.event("a", "a-0", 1f);
    var first = t.deliverEvent(0, "a", labelled);
    List<byte[]> example = to(first, CellstreamTopology.TRAINING_SINK);
    assertThat(example).hasSize(1);
    t.restart();
    var again = t.deliverEvent(0, "a", labelled);
    assertThat(to(again, CellstreamTopology.TRAINING_SINK)).as("its send may be what the crash lost")
        .containsExactly(example.getFirst());
    assertThat(to(again, CellstreamTopology.PREDICTIONS_SINK)).containsExactlyElementsOf(
        to(first, CellstreamTopology.PREDICTIONS_SINK));
    assertThat(t.metrics.examplesResent()).isEqualTo(1);
    assertThat(t.metrics.examples()).as("learned from once: the trainer drops the copy").isEqualTo(1);
  }

  @Test
  void aLabelDeliveredAgainIsSentAgainWhileASecondLabelForTheEventIsStillADuplicate() throws Exception {
    Task0 t = new Task0(Delivery.LOW_LATENCY, true);
    t.deliverEvent(0, "a", t.event("a", "a-0", null));
    byte[] label = t.label("a", "a-0", 1f);
    List<byte[]> example = to(t.deliverLabel(0, "a", label), CellstreamTopology.TRAINING_SINK);
    assertThat(example).hasSize(1);

    t.restart();
    var again = t.deliverLabel(0, "a", label);
    assertThat(to(again, CellstreamTopology.DEAD_LETTERS_SINK)).as("not a duplicate: the same label").isEmpty();
    assertThat(to(again, CellstreamTopology.TRAINING_SINK)).containsExactly(example.getFirst());

    var second = t.deliverLabel(1, "a", t.label("a", "a-0", 0f)); // another label for the same event
    List<byte[]> dead = to(second, CellstreamTopology.DEAD_LETTERS_SINK);
    assertThat(dead).hasSize(1);
    assertThat(t.deadLetter(dead.getFirst()).getReason()).isEqualTo("label-duplicate");
    assertThat(to(second, CellstreamTopology.TRAINING_SINK)).isEmpty();
  }

  @Test
  void aHeldLabelDeliveredAgainIsHeldOnceAndLearnedFromOnce() {
    Task0 t = new Task0(Delivery.LOW_LATENCY, true);
    byte[] label = t.label("a", "a-0", 1f);
    assertThat(t.deliverLabel(0, "a", label)).as("held for its event").isEmpty();
    t.restart();
    assertThat(t.deliverLabel(0, "a", label)).as("still held, no duplicate").isEmpty();
    assertThat(t.memory("a").heldCount()).isEqualTo(1);
    assertThat(t.metrics.redeliveredCount(Redelivery.Outcome.LABEL_STILL_HELD)).isEqualTo(1);
    var out = t.deliverEvent(0, "a", t.event("a", "a-0", null));
    assertThat(to(out, CellstreamTopology.TRAINING_SINK)).hasSize(1);
    assertThat(to(out, CellstreamTopology.DEAD_LETTERS_SINK)).isEmpty();
  }

  @Test
  void aCopyMadeOnTheWayThroughTheRepartitionTopicIsKnownByItsEventId() {
    // A user's JSON record keyed by something else than its entity comes to the step through the repartition topic;
    // its source record delivered again is forwarded again and lands at another offset there.
    var mapping = UserRecordTopologyTest.mapping();
    Task0 t = new Task0(TopologyFixture.settings(new ModelSpec(mapping.features().width(), 4, 1, Task.BINARY), false,
        8, 4, 6, 4, 8).withMapping(mapping).withDelivery(Delivery.LOW_LATENCY));
    String byEntity = t.settings.topics().eventsByEntity();
    byte[] first = ("{\"id\": \"p1\", \"ts\": 1714570200000, \"card\": {\"id\": \"card-1\"},"
        + " \"tx\": {\"amount\": 12.50, \"merchant\": \"m1\"}}").getBytes(StandardCharsets.UTF_8);
    List<byte[]> prediction = to(t.deliverEvent(byEntity, 0, "card-1", first), CellstreamTopology.PREDICTIONS_SINK);
    assertThat(prediction).hasSize(1);
    byte[] memory = t.entities.get("card-1");

    var copy = t.deliverEvent(byEntity, 7, "card-1", first);
    assertThat(to(copy, CellstreamTopology.PREDICTIONS_SINK)).as("the same prediction, not a second step")
        .containsExactly(prediction.getFirst());
    assertThat(t.entities.get("card-1")).isEqualTo(memory);

    byte[] next = ("{\"id\": \"p2\", \"ts\": 1714570260000, \"card\": {\"id\": \"card-1\"},"
        + " \"tx\": {\"amount\": 99.00, \"merchant\": \"m2\"}}").getBytes(StandardCharsets.UTF_8);
    assertThat(to(t.deliverEvent(byEntity, 8, "card-1", next), CellstreamTopology.PREDICTIONS_SINK)).hasSize(1);
    assertThat(t.memory("card-1").eventsSeen).isEqualTo(2);
  }

  @Test
  void exactlyOnceRecordsThePositionButKeepsNoPredictions() {
    Task0 t = new Task0(Delivery.EXACTLY_ONCE, false);
    byte[] e = t.event("a", "a-0", null);
    t.deliverEvent(7, "a", e);
    EntityState m = t.memory("a");
    assertThat(m.inputOffset).isEqualTo(7);
    assertThat(m.emissionCount()).isZero();
    // Nothing is delivered twice under exactly-once, so nothing is asked: the same position is stepped as today.
    t.deliverEvent(7, "a", e);
    assertThat(t.memory("a").eventsSeen).isEqualTo(2);
  }
}
