package io.cellstream.input;

import io.cellstream.learn.EventInputs;
import io.cellstream.state.EntityState;
import java.util.Arrays;

/**
 * An event as the input layer accepted it: entity, event id, time, its raw inputs (those that do not depend on the
 * entity's past; the others are completed from its memory by {@link #write}), and its inline target. Reused from
 * record to record by its {@link InputReader}; {@link #copy()} keeps one.
 */
public final class CheckedEvent implements EventInputs {

  private final FeatureTransform features; // null: ready-made features (the cellstream format)
  String entityId;
  byte[] entityIdUtf8;
  String eventId;        // null: none given
  long time;             // event time, epoch ms
  boolean hasTarget;
  boolean atHome;        // the record's key is its entity id: it is on the entity's partition already
  final float[] target;  // (K) the inline target, when hasTarget
  final float[] inputs;  // (D) raw inputs; those of since() and prev_target() are written by write()
  final long[] sinceTimes; // (S) the time of each since() feature's field, epoch ms

  CheckedEvent(FeatureTransform features, int inputSize, int outputSize) {
    this.features = features;
    this.target = new float[outputSize];
    this.inputs = new float[inputSize];
    this.sinceTimes = new long[features == null ? 0 : features.sinceCount()];
  }

  private CheckedEvent(CheckedEvent o) {
    this.features = o.features;
    this.entityId = o.entityId;
    this.entityIdUtf8 = o.entityIdUtf8.clone();
    this.eventId = o.eventId;
    this.time = o.time;
    this.hasTarget = o.hasTarget;
    this.atHome = o.atHome;
    this.target = o.target.clone();
    this.inputs = o.inputs.clone();
    this.sinceTimes = o.sinceTimes.clone();
  }

  /** A copy that the next record does not overwrite. */
  public CheckedEvent copy() {
    return new CheckedEvent(this);
  }

  public String entityId() {
    return entityId;
  }

  /** The entity id in UTF-8: the key of its store entry and of everything published for it. */
  public byte[] entityIdUtf8() {
    return entityIdUtf8;
  }

  /** The event id the record gave, or null (the host then names the event by where it came from). */
  public String eventId() {
    return eventId;
  }

  public long time() {
    return time;
  }

  public boolean hasTarget() {
    return hasTarget;
  }

  /** (K) the inline target; valid when {@link #hasTarget()}. */
  public float[] target() {
    return target;
  }

  /**
   * Whether the record is where its entity's records are processed: its key is the entity id. A record of a user
   * format that is not goes through the repartition topic first (the cellstream format refuses it instead).
   */
  public boolean atHome() {
    return atHome;
  }

  /** The raw inputs that do not depend on the entity (D; the others are 0 until {@link #write}). */
  public float[] inputs() {
    return inputs;
  }

  @Override
  public void write(EntityState entity, float[] u) {
    if (features == null) {
      System.arraycopy(inputs, 0, u, 0, inputs.length);
    } else {
      features.complete(this, entity, u);
    }
  }

  @Override
  public String toString() {
    return "CheckedEvent[" + entityId + " " + eventId + " t=" + time + " u=" + Arrays.toString(inputs)
        + (hasTarget ? " target=" + Arrays.toString(target) : "") + "]";
  }
}
