package io.cellstream.stream;

import io.cellstream.avro.Prediction;
import io.cellstream.input.CheckedEvent;
import io.cellstream.input.DeadLetterReason;
import io.cellstream.input.Ids;
import io.cellstream.input.InputReader;
import io.cellstream.input.Rejection;
import io.cellstream.learn.FeatureMemory;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.LstmCell;
import io.cellstream.lstm.InputStatistics;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
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
 * The per-event path: read the event through the input layer ({@link InputReader}: decode, fields, transforms,
 * checks), load the entity's memory, complete the inputs that depend on it, standardise them with the current
 * model version's statistics and run one LSTM step with that version, join the label held for this event (if one
 * came first) and the event's own inline label, fit the memory to what its changelog accepts, then publish the
 * prediction, the training examples and the memory together (test, then train: the examples carry the prediction
 * made before learning). The entity's window keeps the raw inputs: the trainer standardises them with its own
 * statistics, which it publishes with the parameters.
 *
 * <p>A user format's event whose key is not its entity id is sent on to the repartition topic keyed by the entity
 * ({@code <application.id>-events-by-entity}) and stepped when it comes back from there.
 *
 * <p>Every input record ends as exactly one prediction or exactly one dead letter.
 */
final class StepProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final ModelHolder models;
  private final InitialModel initial;
  private final InputReader reader;
  private final FeatureMemory featureMemory;
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
  private final CheckedEvent event; // the event being processed (reused)
  private final float[] u;       // (D) its raw inputs, as the window keeps them
  private final float[] x;       // (D) its inputs as the step reads them, standardised

  StepProcessor(StreamSettings settings, ModelHolder models, InitialModel initial, InputReader reader,
      AvroSerde<Prediction> predictions, DeadLetters deadLetters, StreamMetrics metrics, LstmKernel kernel,
      Supplier<RecordLimits> limits, RegistryRetry registry) {
    this.settings = settings;
    this.spec = settings.spec();
    this.models = models;
    this.initial = initial;
    this.reader = reader;
    this.featureMemory = reader.featureMemory();
    this.event = reader.newEvent();
    this.predictionWriter = new PredictionWriter(predictions);
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.limits = limits;
    this.registry = registry;
    this.cell = new LstmCell(spec, settings.forgetBias(), kernel);
    this.state = Redelivery.keepEmissions(cell.newEntityState(settings.windowSteps(), settings.checkpointEvery()), settings);
    this.labelJoin = new LabelJoin(settings.learner().bpttSteps(), settings.holding());
    this.redelivery = new Redelivery(settings, models::name, predictionWriter, deadLetters, metrics, registry, labelJoin);
    this.u = new float[spec.inputSize()];
    this.x = new float[spec.inputSize()];
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
    RecordMetadata md = context.recordMetadata().orElseThrow();
    boolean repartitioned = md.topic().equals(settings.topics().eventsByEntity());
    if (!repartitioned) {
      metrics.event(); // counted once, where it was written
    }
    Rejection rejected = registry.call("read the schema of an event", () -> reader.event(md.topic(), md.partition(),
        md.offset(), record.timestamp(), record.key(), record.value(), header(record, InputReader.EVENT_ID_HEADER), event));
    if (rejected != null) {
      deadLetters.send(context, record, rejected);
      return;
    }
    if (!event.atHome() && !repartitioned) {
      forwardToEntity(record, event.entityIdUtf8(), event.eventId(), CellstreamTopology.EVENTS_BY_ENTITY_SINK);
      return;
    }
    String entityId = event.entityId();
    byte[] entityIdUtf8 = event.entityIdUtf8();
    boolean labelled = event.hasTarget();
    String eventId = event.eventId();
    long eventTime = event.time();

    entities.load(entityId, state);
    if (redelivery.eventApplied(state, md, eventId)) {
      // Low-latency mode, an event delivered again after a crash: applied once already, not stepped again.
      redelivery.replayEvent(context, record, md, entityIdUtf8, state, entityId, eventId, eventTime,
          labelled ? event.target() : null);
      return;
    }
    ModelVersion model = models.current();
    if (model == null) {
      model = initial.get();
    }

    // The step: u ← the event's raw inputs (some from the entity's memory); x ← u standardised by this version;
    // (h, c) ← LSTM(x, h, c); y ← head(h). The window keeps u.
    event.write(state, u);
    InputStatistics statistics = model.model().statistics();
    float[] g = settings.keepGates() ? gates : null;
    if (statistics.isIdentity()) {
      cell.stepEntity(model.model().weights(), model.version(), state, eventId, eventTime, u, 0, g, y);
    } else {
      statistics.standardise(u, 0, x, 0, 1);
      cell.stepEntity(model.model().weights(), model.version(), state, eventId, eventTime, u, 0, x, 0, g, y);
    }
    long predictionTime = System.currentTimeMillis();
    long eventsSeen = state.eventsSeen;
    redelivery.recordEvent(state, md, eventId, predictionTime, y);

    // A label that came before this event, then the event's own: both after the step, as in-process.
    LabelJoin.AfterStep held = labelJoin.afterStep(entityId, state, eventId, context.currentStreamTimeMs());
    LabelJoin.Result inline = labelled ? labelJoin.join(entityId, state, eventId, event.target()) : null;
    // prev_target(): what the entity remembers of the targets learned from, in the order they were
    if (held.joined() != null && held.example() != null) {
      featureMemory.targetLearned(state, held.joined().target());
    }
    if (inline != null && inline.matched()) {
      featureMemory.targetLearned(state, event.target());
    }

    EntityStore.Fitted fitted = entities.fit(entityId, state);
    if (!fitted.fits()) {
      // Nothing of this event is published and the stored memory stays as it was: the event is refused whole.
      deadLetters.send(context, record, DeadLetterReason.STATE_TOO_LARGE, "the memory of entity " + Ids.quote(entityId)
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
      train(record, entityIdUtf8, held.example(), held.joined().target());
    }
    for (HeldLabel given : held.givenUp()) {
      giveUp(entityIdUtf8, entityId, given, DeadLetterReason.LABEL_UNMATCHED, "no event '" + shortId(given)
          + "' of entity " + Ids.quote(entityId) + " came within cellstream.labels.hold.seconds = "
          + settings.holding().maxAgeMillis() / 1000 + " of stream time" + (given == held.joined()
              ? " in a form that could be learned from (its step was not kept in the window)" : ""));
    }
    if (inline != null) {
      metrics.label(inline.outcome());
      if (inline.matched()) {
        train(record, entityIdUtf8, inline.example(), event.target());
      }
    }
    for (HeldLabel dropped : fitted.heldDropped()) {
      giveUp(entityIdUtf8, entityId, dropped, DeadLetterReason.STATE_TOO_LARGE, "label held for event '"
          + shortId(dropped) + "' dropped so that the memory of entity " + Ids.quote(entityId) + " fits in "
          + fitted.limit() + " bytes");
    }
    entities.write(entityId, state, fitted);
    context.forward(new Record<>(entityIdUtf8, prediction, record.timestamp()), CellstreamTopology.PREDICTIONS_SINK);
    metrics.prediction();
    metrics.stepLatency().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void train(Record<byte[], byte[]> record, byte[] key, TrainingExample example, float[] labelTarget) {
    metrics.joined(example, labelTarget, spec);
    if (settings.trainingEnabled()) {
      context.forward(new Record<>(key, TrainingExampleCodec.encode(example), record.timestamp()),
          CellstreamTopology.TRAINING_SINK);
    }
  }

  /**
   * Sends a record whose key is not its entity to the repartition topic, keyed by the entity, with the event id it
   * was given here (where it was read, if the record names none), so that it keeps its name on the way.
   */
  static void forwardToEntity(Record<byte[], byte[]> record, byte[] entityIdUtf8, String eventId, String sink,
      ProcessorContext<byte[], byte[]> context) {
    org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders(
        record.headers().toArray());
    if (eventId != null) {
      headers.remove(InputReader.EVENT_ID_HEADER);
      headers.add(InputReader.EVENT_ID_HEADER, eventId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    context.forward(new Record<>(entityIdUtf8, record.value(), record.timestamp(), headers), sink);
  }

  private void forwardToEntity(Record<byte[], byte[]> record, byte[] entityIdUtf8, String eventId, String sink) {
    forwardToEntity(record, entityIdUtf8, eventId, sink, context);
  }

  /** A header's value as UTF-8, or null. */
  static String header(Record<byte[], byte[]> record, String name) {
    org.apache.kafka.common.header.Header h = record.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private void giveUp(byte[] entityIdUtf8, String entityId, HeldLabel label, DeadLetterReason reason, String message) {
    metrics.label(LabelOutcome.UNMATCHED);
    deadLetters.sendHeld(context, settings.topics().labels(), entityIdUtf8, label, reason, message);
  }

  static String shortId(HeldLabel l) {
    return Ids.shorten(l.eventIdString());
  }
}
