package io.cellstream.input;

import io.cellstream.learn.EventInputs;
import io.cellstream.state.EntityState;
import java.util.Arrays;

/**
 * An event as the input layer accepted it: entity, event id, time, its raw inputs (those that do not depend on the
 * entity's past; the others are completed from its memory by {@link #write}), and its inline target. Reused from
 * record to record by its {@link InputReader}; {@link #copy()} keeps one.
 */
public final class CheckedEvent extends CheckedRecord implements EventInputs {

  private final FeatureTransform features; // null: ready-made features (the cellstream format)
  boolean hasTarget;
  final float[] inputs;  // (D) raw inputs; those of since() and prev_target() are written by write()
  final long[] sinceTimes; // (S) the time of each since() feature's field, epoch ms

  CheckedEvent(FeatureTransform features, int inputSize, int outputSize) {
    super(outputSize);
    this.features = features;
    this.inputs = new float[inputSize];
    this.sinceTimes = new long[features == null ? 0 : features.sinceCount()];
  }

  private CheckedEvent(CheckedEvent o) {
    super(o);
    this.features = o.features;
    this.hasTarget = o.hasTarget;
    this.inputs = o.inputs.clone();
    this.sinceTimes = o.sinceTimes.clone();
  }

  /** A copy that the next record does not overwrite. */
  public CheckedEvent copy() {
    return new CheckedEvent(this);
  }

  public boolean hasTarget() {
    return hasTarget;
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
