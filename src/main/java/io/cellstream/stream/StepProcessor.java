package io.cellstream.stream;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SerdeException;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.state.StateFormatException;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-event path: decode and validate the event, load the entity's memory, run one LSTM step with the
 * current model, publish the prediction, store the memory back, and — if the event carries its own label —
 * turn it into a training example after the prediction is out (test, then train).
 *
 * <p>Every input record ends as exactly one prediction or exactly one dead letter.
 */
final class StepProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  private static final Logger log = LoggerFactory.getLogger(StepProcessor.class);

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final ModelHolder models;
  private final InitialModel initial;
  private final AvroSerde<Event> events;
  private final PredictionWriter predictionWriter;
  private final DeadLetters deadLetters;
  private final StreamMetrics metrics;
  private final LstmCell cell;    // the step every host of the learner runs

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<String, byte[]> store;
  private final float[] gates;   // (4H) i, f, g, o of the last step
  private final float[] y;       // (K) head output
  private final EntityState state;
  private final EntityStateCodec codec = new EntityStateCodec();
  private final LabelJoin labelJoin;
  private final float[] x;       // (D) this event's features
  private final float[] target;  // (K) this event's inline target
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, 1);

  StepProcessor(StreamSettings settings, ModelHolder models, InitialModel initial, AvroSerde<Event> events,
      AvroSerde<Prediction> predictions, DeadLetters deadLetters, StreamMetrics metrics, LstmKernel kernel) {
    this.settings = settings;
    this.spec = settings.spec();
    this.models = models;
    this.initial = initial;
    this.events = events;
    this.predictionWriter = new PredictionWriter(predictions);
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.cell = new LstmCell(spec, settings.forgetBias(), kernel);
    this.state = cell.newEntityState(settings.windowSteps(), settings.checkpointEvery());
    this.labelJoin = new LabelJoin(settings.learner().bpttSteps());
    this.x = new float[spec.inputSize()];
    this.target = new float[spec.outputSize()];
    this.gates = new float[spec.gateRows()];
    this.y = new float[spec.outputSize()];
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(CellstreamTopology.ENTITY_STORE);
    initial.loadFromGlobalStore(context, models);
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
      event = events.decode(md.topic(), value);
    } catch (SerdeException e) {
      deadLetters.send(context, record, reasonOf(e), e.getMessage(), e);
      return;
    }
    InputChecks.Rejection rejected = InputChecks.event(event, record.key(), spec, x, target);
    if (rejected != null) {
      deadLetters.send(context, record, rejected.reason(), rejected.message(), null);
      return;
    }
    String entityId = event.getEntityId();
    byte[] entityIdUtf8 = record.key(); // equal to the entity id's bytes: checked
    boolean labelled = InputChecks.hasTarget(event);
    String eventId = event.getEventId() != null ? event.getEventId() : md.topic() + "-" + md.partition() + "-" + md.offset();
    long eventTime = event.getEventTime().toEpochMilli();

    loadState(entityId);
    ModelVersion model = models.current();
    if (model == null) {
      model = initial.get();
    }

    // The step: (h, c) ← LSTM(x, h, c); y ← head(h).
    cell.stepEntity(model.model().weights(), model.version(), state, eventId, eventTime, x, 0,
        settings.keepGates() ? gates : null, y);

    byte[] prediction = predictionWriter.write(settings.topics().predictions(), entityIdUtf8, eventId, eventTime,
        System.currentTimeMillis(), models.name(), model.version(), y, spec.outputSize(), predictedClass(y),
        state.eventsSeen);
    context.forward(new Record<>(record.key(), prediction, record.timestamp()), CellstreamTopology.PREDICTIONS_SINK);
    metrics.prediction();

    // Test, then train: the example for an inline label follows its prediction in the same transaction.
    if (labelled) {
      LabelJoin.Result r = labelJoin.join(entityId, state, eventId, target);
      metrics.label(r.outcome());
      if (r.matched()) {
        metrics.joined(r.example(), target, spec);
      }
      if (r.example() != null && settings.trainingEnabled()) {
        context.forward(new Record<>(record.key(), TrainingExampleCodec.encode(r.example()), record.timestamp()),
            CellstreamTopology.TRAINING_SINK);
      }
    }
    store.put(entityId, codec.encode(state));
    metrics.stepLatency().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void loadState(String entityId) {
    byte[] stored = store.get(entityId);
    if (stored == null) {
      state.reset();
      return;
    }
    try {
      codec.decode(stored, state);
    } catch (StateFormatException e) {
      // Not the event's fault: the stored memory is unreadable (damaged, or from a model of another shape).
      // Start the entity afresh rather than stop the service; say so.
      metrics.stateUnreadable();
      warnings.warn(0, "memory of entity '" + entityId + "' is unreadable and starts afresh: " + e.getMessage());
      state.reset();
    }
  }

  /** The predicted class, or -1 where the prediction has none (regression, several binary outputs). */
  private int predictedClass(float[] y) {
    return switch (spec.task()) {
      case MULTICLASS -> Targets.argmax(y, spec.outputSize());
      case BINARY -> spec.outputSize() == 1 ? (y[0] >= 0.5f ? 1 : 0) : -1;
      case REGRESSION -> -1;
    };
  }

  static DeadLetterReason reasonOf(SerdeException e) {
    return switch (e.reason()) {
      case UNDECODABLE -> DeadLetterReason.UNDECODABLE;
      case UNKNOWN_SCHEMA -> DeadLetterReason.UNKNOWN_SCHEMA;
      case INCOMPATIBLE_SCHEMA -> DeadLetterReason.INCOMPATIBLE_SCHEMA;
    };
  }
}
