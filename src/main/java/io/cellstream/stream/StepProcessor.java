package io.cellstream.stream;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.LstmCell;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SerdeException;
import io.cellstream.state.EntityState;
import io.cellstream.state.HeldLabel;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The per-event path: decode and validate the event, load the entity's memory, run one LSTM step with the
 * current model, join the label held for this event (if one came first) and the event's own inline label, fit
 * the memory to what its changelog accepts, then publish the prediction, the training examples and the memory
 * together (test, then train: the examples carry the prediction made before learning).
 *
 * <p>Every input record ends as exactly one prediction or exactly one dead letter.
 */
final class StepProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final ModelHolder models;
  private final InitialModel initial;
  private final AvroSerde<Event> events;
  private final PredictionWriter predictionWriter;
  private final DeadLetters deadLetters;
  private final StreamMetrics metrics;
  private final Supplier<RecordLimits> limits;
  private final RegistryRetry registry;
  private final LstmCell cell;    // the step every host of the learner runs
  private final Redelivery redelivery;

  private ProcessorContext<byte[], byte[]> context;
  private EntityStore entities;
  private final float[] gates;   // (4H) i, f, g, o of the last step
  private final float[] y;       // (K) head output
  private final EntityState state;
  private final LabelJoin labelJoin;
  private final float[] x;       // (D) this event's features
  private final float[] target;  // (K) this event's inline target

  StepProcessor(StreamSettings settings, ModelHolder models, InitialModel initial, AvroSerde<Event> events,
      AvroSerde<Prediction> predictions, DeadLetters deadLetters, StreamMetrics metrics, LstmKernel kernel,
      Supplier<RecordLimits> limits, RegistryRetry registry) {
    this.settings = settings;
    this.spec = settings.spec();
    this.models = models;
    this.initial = initial;
    this.events = events;
    this.predictionWriter = new PredictionWriter(predictions);
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.limits = limits;
    this.registry = registry;
    this.cell = new LstmCell(spec, settings.forgetBias(), kernel);
    this.state = Redelivery.keepEmissions(cell.newEntityState(settings.windowSteps(), settings.checkpointEvery()), settings);
    this.labelJoin = new LabelJoin(settings.learner().bpttSteps(), settings.holding());
    this.redelivery = new Redelivery(settings, models::name, predictionWriter, deadLetters, metrics, registry, labelJoin);
    this.x = new float[spec.inputSize()];
    this.target = new float[spec.outputSize()];
    this.gates = new float[spec.gateRows()];
    this.y = new float[spec.outputSize()];
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.entities = new EntityStore(context.getStateStore(CellstreamTopology.ENTITY_STORE),
        context.getStateStore(CellstreamTopology.HELD_LABELS_STORE), labelJoin, metrics, limits, settings.maxStateBytes());
    initial.loadFromGlobalStore(context, models, registry);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    long started = System.nanoTime();
    metrics.event();
    byte[] value = record.value();
    if (value == null) {
      deadLetters.send(context, record, DeadLetterReason.UNDECODABLE, "null value (a tombstone) on the events topic", null);
      return;
    }
    if (value.length > settings.maxRecordBytes()) {
      deadLetters.send(context, record, DeadLetterReason.OVERSIZED, "event of " + value.length
          + " bytes exceeds cellstream.input.max-record-bytes = " + settings.maxRecordBytes(), null);
      return;
    }
    RecordMetadata md = context.recordMetadata().orElseThrow();
    Event event;
    try {
      event = registry.call("read the schema of an event", () -> events.decode(md.topic(), value));
    } catch (SerdeException e) {
      deadLetters.send(context, record, reasonOf(e), e.getMessage(), e);
      return;
    }
    InputChecks.Rejection rejected = InputChecks.event(event, record.key(), spec, settings.input(), x, target);
    if (rejected != null) {
      deadLetters.send(context, record, rejected.reason(), rejected.message(), null);
      return;
    }
    String entityId = event.getEntityId();
    byte[] entityIdUtf8 = record.key(); // equal to the entity id's bytes: checked
    boolean labelled = InputChecks.hasTarget(event);
    String eventId = event.getEventId() != null ? event.getEventId() : md.topic() + "-" + md.partition() + "-" + md.offset();
    long eventTime = event.getEventTime().toEpochMilli();

    entities.load(entityId, state);
    if (redelivery.eventApplied(state, md)) {
      // Low-latency mode, an event delivered again after a crash: applied once already, not stepped again.
      redelivery.replayEvent(context, record, md, state, entityId, eventId, eventTime, labelled ? target : null);
      return;
    }
    ModelVersion model = models.current();
    if (model == null) {
      model = initial.get();
    }

    // The step: (h, c) ← LSTM(x, h, c); y ← head(h).
    cell.stepEntity(model.model().weights(), model.version(), state, eventId, eventTime, x, 0,
        settings.keepGates() ? gates : null, y);
    long predictionTime = System.currentTimeMillis();
    long eventsSeen = state.eventsSeen;
    Redelivery.recordEvent(state, md, predictionTime, y);

    // A label that came before this event, then the event's own: both after the step, as in-process.
    LabelJoin.AfterStep held = labelJoin.afterStep(entityId, state, eventId, context.currentStreamTimeMs());
    LabelJoin.Result inline = labelled ? labelJoin.join(entityId, state, eventId, target) : null;

    EntityStore.Fitted fitted = entities.fit(entityId, state);
    if (!fitted.fits()) {
      // Nothing of this event is published and the stored memory stays as it was: the event is refused whole.
      deadLetters.send(context, record, DeadLetterReason.STATE_TOO_LARGE, "the memory of entity " + InputChecks.quote(entityId)
          + " would take " + fitted.size() + " bytes with an empty window, over its limit of " + fitted.limit()
          + " bytes (the entity-state changelog's max.message.bytes, the producer's max.request.size, or cellstream.state.max-bytes)",
          null);
      return;
    }

    byte[] prediction = registry.call("register the prediction schema", () -> predictionWriter.write(
        settings.topics().predictions(), entityIdUtf8, eventId, eventTime, predictionTime, models.name(),
        state.modelVersion, y, spec, eventsSeen));

    // Test, then train: the examples carry the prediction made before learning. They, the dead letters and the memory
    // are sent before the prediction: in low-latency mode a prediction a consumer can see then always has its memory
    // (with the position and the kept prediction) sent before it (Redelivery); under exactly-once the order is moot.
    if (held.joined() != null && held.example() != null) {
      metrics.label(LabelOutcome.MATCHED);
      train(record, held.example(), held.joined().target());
    }
    for (HeldLabel given : held.givenUp()) {
      giveUp(entityIdUtf8, entityId, given, DeadLetterReason.LABEL_UNMATCHED, "no event '" + shortId(given)
          + "' of entity " + InputChecks.quote(entityId) + " came within cellstream.labels.hold.seconds = "
          + settings.holding().maxAgeMillis() / 1000 + " of stream time" + (given == held.joined()
              ? " in a form that could be learned from (its step was not kept in the window)" : ""));
    }
    if (inline != null) {
      metrics.label(inline.outcome());
      if (inline.matched()) {
        train(record, inline.example(), target);
      }
    }
    for (HeldLabel dropped : fitted.heldDropped()) {
      giveUp(entityIdUtf8, entityId, dropped, DeadLetterReason.STATE_TOO_LARGE, "label held for event '"
          + shortId(dropped) + "' dropped so that the memory of entity " + InputChecks.quote(entityId) + " fits in "
          + fitted.limit() + " bytes");
    }
    entities.write(entityId, state, fitted);
    context.forward(new Record<>(record.key(), prediction, record.timestamp()), CellstreamTopology.PREDICTIONS_SINK);
    metrics.prediction();
    metrics.stepLatency().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void train(Record<byte[], byte[]> record, TrainingExample example, float[] labelTarget) {
    metrics.joined(example, labelTarget, spec);
    if (settings.trainingEnabled()) {
      context.forward(new Record<>(record.key(), TrainingExampleCodec.encode(example), record.timestamp()),
          CellstreamTopology.TRAINING_SINK);
    }
  }

  private void giveUp(byte[] entityIdUtf8, String entityId, HeldLabel label, DeadLetterReason reason, String message) {
    metrics.label(LabelOutcome.UNMATCHED);
    deadLetters.sendHeld(context, settings.topics().labels(), entityIdUtf8, label, reason, message);
  }

  static String shortId(HeldLabel l) {
    String id = l.eventIdString();
    return id.length() <= InputChecks.QUOTED_CHARS ? id : id.substring(0, InputChecks.QUOTED_CHARS) + "...";
  }

  static DeadLetterReason reasonOf(SerdeException e) {
    return switch (e.reason()) {
      case UNDECODABLE -> DeadLetterReason.UNDECODABLE;
      case UNKNOWN_SCHEMA -> DeadLetterReason.UNKNOWN_SCHEMA;
      case INCOMPATIBLE_SCHEMA -> DeadLetterReason.INCOMPATIBLE_SCHEMA;
    };
  }
}
