package io.cellstream.stream;

import io.cellstream.input.DeadLetterReason;
import io.cellstream.input.Ids;
import io.cellstream.learn.LabelJoin;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.EntityState;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Records delivered twice, applied once. In low-latency mode ({@code cellstream.delivery=low-latency}) Kafka Streams
 * processes at least once: after a crash every record since the task's last commit comes again, although the memory
 * the crash left may have applied some of them already. Each memory therefore records where the last event (and the
 * last label) applied to it came from, and the step and the label join ask here first:
 *
 * <ul>
 *   <li>an event at or before the recorded offset of its partition is not stepped again: its prediction is emitted
 *       again from the last R kept in the memory ({@link EntityState#recordEmission}) — the same key, event id, event
 *       time, prediction time, model version, outputs and eventsSeen, written by the same {@link PredictionWriter}
 *       path, so the same bytes — and the example of its inline label is sent again (the trainer drops it if it had
 *       it). An event older than the kept predictions is a dead letter {@code redelivered-not-kept}.</li>
 *   <li>a label at or before the recorded labels offset is not joined again: still held, nothing happens; its step
 *       labelled, its example is sent again (a second label for the same event, at a later offset, is still a
 *       {@code label-duplicate}); otherwise (it was refused or given up) it is processed as new, and its dead letter
 *       may come twice.</li>
 * </ul>
 *
 * <p>Events that came through the repartition topic ({@code <application.id>-events-by-entity}: user records keyed by
 * something else than their entity) can also come twice <em>on the way</em>: a source record delivered again is
 * forwarded again and lands at another offset. For them the memory's own position is not enough, and their event id
 * (given on the way, the same for both copies) is looked up too: among the kept predictions (kept by a hash of the
 * id instead of the offset), in the window and among the ids that left it recently. A copy older than all of those
 * (R + 2(W + k) events of the entity) would be stepped again.
 *
 * <p>Nothing here writes the memory. Under exactly-once the positions are recorded too (they cost 24 bytes) but never
 * asked for: a transaction commits the memory with the offsets, so nothing applied is delivered again.
 *
 * <p>Why the state is right and a second prediction is the same bytes: the step writes the memory before it sends
 * the prediction, and with the entity store's record cache off in this mode (see {@link CellstreamTopology}) the
 * memory's changelog record goes to the producer first. What a consumer can have seen is then always covered by the
 * memory a restart restores: a prediction whose memory was lost was itself never delivered, and its event is stepped
 * again as if for the first time (see docs/operations.md for the one case with several brokers where the producer
 * gives no such order).
 */
final class Redelivery {

  /** What was done with a record that was delivered again after it had been applied; the metric's tags. */
  enum Outcome {
    EVENT_RE_EMITTED("event", "re-emitted"),
    EVENT_NOT_KEPT("event", "not-kept"),
    LABEL_STILL_HELD("label", "held"),
    LABEL_RE_SENT("label", "re-sent"),
    LABEL_REPROCESSED("label", "reprocessed");

    private final String input;
    private final String id;

    Outcome(String input, String id) {
      this.input = input;
      this.id = id;
    }

    String input() {
      return input;
    }

    String id() {
      return id;
    }
  }

  private final StreamSettings settings;
  private final ModelSpec spec;
  private final Supplier<String> modelName;
  private final PredictionWriter predictionWriter;
  private final DeadLetters deadLetters;
  private final StreamMetrics metrics;
  private final RegistryRetry registry;
  private final LabelJoin labelJoin;
  private final float[] y; // (K) a kept prediction's outputs

  /**
   * @param modelName        the model name the predictions carry
   * @param predictionWriter the step's writer (the same path writes a prediction and its copy); null for the label
   *                         join, which replays no event
   */
  Redelivery(StreamSettings settings, Supplier<String> modelName, PredictionWriter predictionWriter,
      DeadLetters deadLetters, StreamMetrics metrics, RegistryRetry registry, LabelJoin labelJoin) {
    this.settings = settings;
    this.spec = settings.spec();
    this.modelName = modelName;
    this.predictionWriter = predictionWriter;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.registry = registry;
    this.labelJoin = labelJoin;
    this.y = new float[spec.outputSize()];
  }

  /** A memory of this deployment: it keeps the last R predictions in low-latency mode, none under exactly-once. */
  static EntityState keepEmissions(EntityState state, StreamSettings settings) {
    state.keepEmissions(settings.delivery().emissionsKept());
    return state;
  }

  /**
   * Records in the memory that the event at {@code md} was applied, and the prediction it made (kept only in
   * low-latency mode). Call after the step, before the memory is fitted and written.
   *
   * @param outputs (K) the head's outputs
   */
  void recordEvent(EntityState state, RecordMetadata md, String eventId, long predictionTime, float[] outputs) {
    state.inputPartition = md.partition();
    state.inputOffset = md.offset();
    if (settings.delivery().emissionsKept() > 0) { // not under exactly-once: no key to hash for a ring of none
      state.recordEmission(emissionKey(md, eventId), state.modelVersion, predictionTime, state.eventsSeen, outputs);
    }
  }

  /** Whether the record came through the events' repartition topic. */
  private boolean repartitioned(RecordMetadata md) {
    return md.topic().equals(settings.topics().eventsByEntity());
  }

  /**
   * What a kept prediction is found by: the input offset, or for an event that came through the repartition topic a
   * hash of its event id (its copies have other offsets there).
   */
  private long emissionKey(RecordMetadata md, String eventId) {
    return repartitioned(md) ? eventIdHash(eventId) : md.offset();
  }

  /** FNV-1a 64 of the event id's UTF-8, with the sign bit set so that it is never an offset (those are >= 0). */
  static long eventIdHash(String eventId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : eventId.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h | Long.MIN_VALUE;
  }

  /** Records in the memory that the label at {@code md} was applied (held, joined or refused). */
  static void recordLabel(EntityState state, RecordMetadata md) {
    state.labelPartition = md.partition();
    state.labelOffset = md.offset();
  }

  /** Low-latency mode, and the memory has applied this event already. */
  boolean eventApplied(EntityState state, RecordMetadata md, String eventId) {
    if (!settings.delivery().lowLatency()) {
      return false;
    }
    if (state.appliedEvent(md.partition(), md.offset())) {
      return true;
    }
    // A copy made on the way through the repartition topic: known by its event id.
    return repartitioned(md) && (state.findEmission(eventIdHash(eventId)) >= 0
        || state.findStep(eventId) != EntityState.NO_STEP || state.departedRecently(eventId));
  }

  /**
   * An event the memory has applied already ({@link #eventApplied}): its prediction again from the kept ones and the
   * example of its inline label again, or a dead letter when its prediction is no longer kept. The memory is not
   * changed and need not be written.
   *
   * @param inlineTarget (K) the event's own label, or null
   */
  void replayEvent(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, RecordMetadata md,
      byte[] entityIdUtf8, EntityState state, String entityId, String eventId, long eventTime, float[] inlineTarget) {
    int kept = state.findEmission(emissionKey(md, eventId));
    if (kept < 0) {
      metrics.redelivered(Outcome.EVENT_NOT_KEPT);
      deadLetters.send(context, record, DeadLetterReason.REDELIVERED_NOT_KEPT, "event " + Ids.quote(eventId)
          + " of entity " + Ids.quote(entityId) + " at " + md.topic() + "-" + md.partition() + "@" + md.offset()
          + " was delivered again (at-least-once, after a crash): the entity's memory has applied it already (events up"
          + " to offset " + state.inputOffset + (repartitioned(md) ? ", or its event id" : "") + "), so it is not stepped"
          + " again, but its prediction is older than the " + state.emissionCount() + " the memory keeps"
          + " (cellstream.delivery.kept-predictions = " + settings.delivery().keptPredictions()
          + (state.emissionCount() > 0 && !repartitioned(md) ? ", the oldest for offset " + state.oldestEmissionOffset() : "")
          + ") and cannot be emitted again; it was published when the event was first applied, unless the crash lost it",
          null);
      return;
    }
    state.copyEmissionOutputs(kept, y);
    long modelVersion = state.emissionModelVersion(kept);
    long predictionTime = state.emissionPredictionTime(kept);
    long eventsSeen = state.emissionEventsSeen(kept);
    byte[] prediction = registry.call("register the prediction schema", () -> predictionWriter.write(
        settings.topics().predictions(), entityIdUtf8, eventId, eventTime, predictionTime, modelName.get(), modelVersion,
        y, spec, eventsSeen));
    if (inlineTarget != null) {
      resend(context, record, entityIdUtf8, labelJoin.rebuild(entityId, state, eventId, inlineTarget, modelVersion));
    }
    context.forward(new Record<>(entityIdUtf8, prediction, record.timestamp()), CellstreamTopology.PREDICTIONS_SINK);
    metrics.redelivered(Outcome.EVENT_RE_EMITTED);
  }

  /**
   * A label delivered again: true when the memory had applied it and it is dealt with (the caller stops), false when
   * it is to be processed as a new label (not applied, or neither held nor joined: refused or given up before).
   *
   * @param target (K) the label's target vector
   */
  boolean replayLabel(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, RecordMetadata md,
      byte[] entityIdUtf8, EntityState state, String entityId, String eventId, float[] target) {
    if (!settings.delivery().lowLatency() || !state.appliedLabel(md.partition(), md.offset())) {
      return false;
    }
    int held = state.findHeld(eventId);
    if (held >= 0 && DeadLetters.LabelOrigin.decode(state.held(held).origin()).offset() == md.offset()) {
      metrics.redelivered(Outcome.LABEL_STILL_HELD); // waiting for its event, as before the crash
      return true;
    }
    TrainingExample again = labelJoin.rebuild(entityId, state, eventId, target, state.modelVersion);
    if (again != null) {
      resend(context, record, entityIdUtf8, again);
      metrics.redelivered(Outcome.LABEL_RE_SENT);
      return true;
    }
    metrics.redelivered(Outcome.LABEL_REPROCESSED);
    return false;
  }

  private void resend(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, byte[] entityIdUtf8,
      TrainingExample example) {
    if (example == null || !settings.trainingEnabled()) {
      return;
    }
    metrics.exampleResent();
    context.forward(new Record<>(entityIdUtf8, TrainingExampleCodec.encode(example), record.timestamp()),
        CellstreamTopology.TRAINING_SINK);
  }
}
