package io.cellstream.stream;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The checks a decoded event or label must pass before the learner sees it, in one place: the step and the
 * label join apply them (and dead-letter what fails, with the reason), and replay applies the very same ones,
 * so that its in-process models see exactly the records the service would.
 */
public final class InputChecks {

  /** Why a record cannot be used: the dead-letter reason and a sentence for the user. */
  public record Rejection(DeadLetterReason reason, String message) {}

  private InputChecks() {}

  /**
   * Checks an event and its record key against the model; on success writes its features into {@code x} (D)
   * and, if it carries a label, the target into {@code target} (K), and returns null.
   */
  public static Rejection event(Event event, byte[] key, ModelSpec spec, float[] x, float[] target) {
    String entityId = event.getEntityId();
    if (entityId == null || entityId.isBlank()) {
      return new Rejection(DeadLetterReason.MISSING_ENTITY_ID, "event has an empty entityId");
    }
    if (key == null) {
      return new Rejection(DeadLetterReason.MISSING_KEY, "event for entity '" + entityId
          + "' has no key: key events by entityId so that one entity's events stay in order on one partition");
    }
    // Compared as bytes: the partitioner hashed these bytes, and the prediction's entityId is written from them.
    if (!Arrays.equals(key, entityId.getBytes(StandardCharsets.UTF_8))) {
      return new Rejection(DeadLetterReason.KEY_MISMATCH, "event key '" + new String(key, StandardCharsets.UTF_8)
          + "' differs from its entityId '" + entityId + "'");
    }
    List<Float> features = event.getFeatures();
    if (features.size() != spec.inputSize()) {
      return new Rejection(DeadLetterReason.WRONG_DIMENSION, "event has " + features.size()
          + " features, the model reads D=" + spec.inputSize());
    }
    for (int i = 0; i < x.length; i++) {
      Float f = features.get(i);
      if (f == null || !Float.isFinite(f)) {
        return new Rejection(DeadLetterReason.NON_FINITE, "feature " + i + " is " + f);
      }
      x[i] = f;
    }
    if (hasTarget(event)) {
      try {
        Targets.toVector(spec, event.getTarget(), event.getTargetVector(), target);
      } catch (Targets.InvalidTargetException e) {
        return new Rejection(DeadLetterReason.INVALID_TARGET, "inline " + e.getMessage());
      }
    }
    return null;
  }

  /** Whether the event carries its own label. */
  public static boolean hasTarget(Event event) {
    return event.getTarget() != null || event.getTargetVector() != null;
  }

  /** Checks a label and its record key; on success writes the target into {@code target} (K) and returns null. */
  public static Rejection label(Label label, byte[] key, ModelSpec spec, float[] target) {
    String entityId = label.getEntityId();
    if (entityId == null || entityId.isBlank()) {
      return new Rejection(DeadLetterReason.MISSING_ENTITY_ID, "label has an empty entityId");
    }
    if (key == null) {
      return new Rejection(DeadLetterReason.MISSING_KEY, "label for entity '" + entityId
          + "' has no key: key labels by entityId, like the events, so that they meet on one partition");
    }
    if (!Arrays.equals(key, entityId.getBytes(StandardCharsets.UTF_8))) {
      return new Rejection(DeadLetterReason.KEY_MISMATCH, "label key '" + new String(key, StandardCharsets.UTF_8)
          + "' differs from its entityId '" + entityId + "'");
    }
    try {
      Targets.toVector(spec, label.getTarget(), label.getTargetVector(), target);
    } catch (Targets.InvalidTargetException e) {
      return new Rejection(DeadLetterReason.INVALID_TARGET, e.getMessage());
    }
    return null;
  }
}
