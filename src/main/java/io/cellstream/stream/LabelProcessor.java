package io.cellstream.stream;

import io.cellstream.input.CheckedLabel;
import io.cellstream.input.DeadLetterReason;
import io.cellstream.input.Ids;
import io.cellstream.input.InputReader;
import io.cellstream.input.Rejection;
import io.cellstream.learn.FeatureMemory;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.EntityState;
import io.cellstream.state.HeldLabel;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Delayed labels: matches each label with its step in the entity's window (same partition as the entity's
 * events, same store) and emits a training example. A label that comes before its event is held in the entity's
 * state ({@link LabelJoin#offer}) and joined by the step when the event arrives. Every label ends learned from
 * once, or as a dead letter with the label's bytes and the reason: too late (its step left the window), a
 * duplicate, unreadable or invalid, or given up after waiting for its event ({@code cellstream.labels.hold.*}).
 *
 * <p>Labels are read through the input layer ({@link InputReader}); a user format's label whose key is not its entity
 * id goes through the repartition topic keyed by the entity first ({@code <application.id>-labels-by-entity}). A label
 * learned from is told to the entity's feature memory ({@code prev_target()}).
 *
 * <p>Held labels age by stream time (the latest record timestamp of the task), so that a service that stalled or
 * restarted does not give up labels whose events are still on their way. Labels are given up when their entity
 * sees its next record, and by a sweep every second for the entities that see none (with the wall-clock time the
 * task has been quiet added to its stream time, so that a stream that stops still ends its held labels).
 */
final class LabelProcessor implements Processor<byte[], byte[], byte[], byte[]> {

  /** Entities swept per punctuation at most: the rest wait for the next one. */
  static final int SWEEP_BATCH = 1_000;

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final InputReader reader;
  private final FeatureMemory featureMemory;
  private final CheckedLabel label;
  private final DeadLetters deadLetters;
  private final StreamMetrics metrics;
  private final Supplier<RecordLimits> limits;
  private final RegistryRetry registry;
  private final EntityState state;
  private final LabelJoin labelJoin;
  private final Redelivery redelivery;

  private ProcessorContext<byte[], byte[]> context;
  private EntityStore entities;
  private long streamTimeSeen;
  private long wallWhenStreamTimeMoved;

  LabelProcessor(StreamSettings settings, InputReader reader, DeadLetters deadLetters, StreamMetrics metrics,
      Supplier<RecordLimits> limits, RegistryRetry registry) {
    this.settings = settings;
    this.spec = settings.spec();
    this.reader = reader;
    this.featureMemory = reader.featureMemory();
    this.label = reader.newLabel();
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.limits = limits;
    this.registry = registry;
    // Keeps the step's kept predictions as it rewrites the memory (a memory read with fewer would drop them).
    this.state = Redelivery.keepEmissions(new EntityState(spec.inputSize(), spec.hiddenSize(), spec.outputSize(),
        settings.windowSteps(), settings.checkpointEvery()), settings);
    this.labelJoin = new LabelJoin(settings.learner().bpttSteps(), settings.holding());
    this.redelivery = new Redelivery(settings, settings::modelName, null, deadLetters, metrics, registry, labelJoin);
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.entities = new EntityStore(context.getStateStore(CellstreamTopology.ENTITY_STORE),
        context.getStateStore(CellstreamTopology.HELD_LABELS_STORE), labelJoin, metrics, limits, settings.maxStateBytes());
    streamTimeSeen = context.currentStreamTimeMs();
    wallWhenStreamTimeMoved = context.currentSystemTimeMs();
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::sweep);
  }

  /**
   * The clock the sweep gives labels up by: stream time, and while the task's stream time stands still (no new
   * record), stream time plus the wall-clock time it has stood still. A stream that moves is judged by its records'
   * timestamps alone (a backlog being caught up gives up nothing early); a stream that went quiet still ends its
   * held labels, one hold time after its last record.
   */
  private long sweepClock(long wallNow) {
    long streamTime = context.currentStreamTimeMs();
    if (streamTime != streamTimeSeen) {
      streamTimeSeen = streamTime;
      wallWhenStreamTimeMoved = wallNow;
    }
    return streamTime + Math.max(0, wallNow - wallWhenStreamTimeMoved);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    byte[] value = record.value();
    RecordMetadata md = context.recordMetadata().orElseThrow();
    boolean repartitioned = md.topic().equals(settings.topics().labelsByEntity());
    Rejection rejected = registry.call("read the schema of a label", () -> reader.label(md.topic(), md.partition(),
        md.offset(), record.timestamp(), record.key(), value, label));
    if (rejected != null) {
      deadLetters.send(context, record, rejected);
      return;
    }
    if (!label.atHome() && !repartitioned) {
      StepProcessor.forwardToEntity(record, label.entityIdUtf8(), null, CellstreamTopology.LABELS_BY_ENTITY_SINK, context);
      return;
    }
    String entityId = label.entityId();
    String eventId = label.eventId();
    float[] target = label.target();

    entities.load(entityId, state);
    if (redelivery.replayLabel(context, record, md, label.entityIdUtf8(), state, entityId, eventId, target)) {
      return; // low-latency mode, a label delivered again after a crash and applied once already
    }
    Redelivery.recordLabel(state, md);
    byte[] origin = new DeadLetters.LabelOrigin(md.partition(), md.offset(), record.timestamp(), value).encode();
    LabelJoin.Result r = labelJoin.offer(entityId, state, eventId, target, context.currentStreamTimeMs(), origin);
    metrics.label(r.outcome());
    String who = "label for entity " + Ids.quote(entityId) + " event " + Ids.quote(eventId);
    switch (r.outcome()) {
      case EXPIRED -> deadLetters.send(context, record, DeadLetterReason.LABEL_TOO_LATE, who + " came after its step left"
          + " the entity's window (cellstream.window.steps = " + settings.windowSteps() + ")", null);
      case DUPLICATE -> deadLetters.send(context, record, DeadLetterReason.LABEL_DUPLICATE, who
          + " is a second label for that event: learning twice from it would overweight it", null);
      case UNMATCHED -> deadLetters.send(context, record, DeadLetterReason.LABEL_UNMATCHED, who
          + " came before its event and cellstream.labels.hold.max-per-entity = 0 holds none", null);
      default -> { }
    }
    if (r.outcome() == LabelOutcome.NO_WINDOW && r.givenUp().isEmpty()) {
      return; // inference only: nothing changed
    }
    if (r.matched()) {
      featureMemory.targetLearned(state, target); // prev_target()
    }
    EntityStore.Fitted fitted = entities.fit(entityId, state);
    if (!fitted.fits()) {
      // Even without a window and held labels the memory is over its limit (an H the changelog cannot take).
      deadLetters.send(context, record, DeadLetterReason.STATE_TOO_LARGE, who + " cannot be held: the memory of the"
          + " entity would take " + fitted.size() + " bytes, over its limit of " + fitted.limit(), null);
      return;
    }
    if (r.matched()) {
      metrics.joined(r.example(), target, spec);
      if (settings.trainingEnabled()) {
        context.forward(new Record<>(label.entityIdUtf8(), TrainingExampleCodec.encode(r.example()), record.timestamp()),
            CellstreamTopology.TRAINING_SINK);
      }
    }
    giveUp(label.entityIdUtf8(), entityId, r.givenUp(), fitted);
    entities.write(entityId, state, fitted);
  }

  /** Gives up the held labels that waited too long on entities that saw no record since ({@link #sweepClock}). */
  private void sweep(long wallNow) {
    long streamTime = sweepClock(wallNow);
    for (EntityStore.Due due : entities.due(streamTime, SWEEP_BATCH)) {
      boolean stored = entities.load(due.entityId(), state);
      entities.forgetStale(due);
      if (!stored) {
        continue;
      }
      List<HeldLabel> expired = labelJoin.expire(state, streamTime);
      EntityStore.Fitted fitted = entities.fit(due.entityId(), state); // smaller than before: it fits
      giveUp(due.entityId().getBytes(StandardCharsets.UTF_8), due.entityId(), expired, fitted);
      entities.write(due.entityId(), state, fitted);
    }
  }

  private void giveUp(byte[] entityIdUtf8, String entityId, List<HeldLabel> expired, EntityStore.Fitted fitted) {
    for (HeldLabel l : expired) {
      metrics.label(LabelOutcome.UNMATCHED);
      deadLetters.sendHeld(context, settings.topics().labels(), entityIdUtf8, l, DeadLetterReason.LABEL_UNMATCHED,
          "no event '" + StepProcessor.shortId(l) + "' of entity " + Ids.quote(entityId) + " came within "
              + "cellstream.labels.hold.seconds = " + settings.holding().maxAgeMillis() / 1000 + " s of stream time"
              + " or cellstream.labels.hold.max-per-entity = " + settings.holding().maxPerEntity() + " newer labels");
    }
    for (HeldLabel l : fitted.heldDropped()) {
      metrics.label(LabelOutcome.UNMATCHED);
      deadLetters.sendHeld(context, settings.topics().labels(), entityIdUtf8, l, DeadLetterReason.STATE_TOO_LARGE,
          "label held for event '" + StepProcessor.shortId(l) + "' dropped so that the memory of entity "
              + Ids.quote(entityId) + " fits in " + fitted.limit() + " bytes");
    }
  }
}
