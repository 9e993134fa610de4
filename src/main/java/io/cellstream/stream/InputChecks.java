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

  /** Characters of an id or key quoted in a message; the rest is summarised (a message must stay small). */
  static final int QUOTED_CHARS = 80;

  private InputChecks() {}

  /** As {@link #event(Event, byte[], ModelSpec, InputLimits, float[], float[])} with the default bounds. */
  public static Rejection event(Event event, byte[] key, ModelSpec spec, float[] x, float[] target) {
    return event(event, key, spec, InputLimits.DEFAULTS, x, target);
  }

  /**
   * Checks an event and its record key against the model and the input bounds; on success writes its features
   * into {@code x} (D) and, if it carries a label, the target into {@code target} (K), and returns null.
   */
  public static Rejection event(Event event, byte[] key, ModelSpec spec, InputLimits limits, float[] x, float[] target) {
    Rejection ids = ids("event", event.getEntityId(), event.getEventId(), key, limits,
        "key events by entityId so that one entity's events stay in order on one partition");
    if (ids != null) {
      return ids;
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

  /**
   * The checks of the ids and the key, lengths first: an id or a key past its bound is never compared, copied or
   * quoted whole (a 600 KB key quoted in the message made a dead letter larger than the producer accepts).
   */
  private static Rejection ids(String what, String entityId, String eventId, byte[] key, InputLimits limits,
      String keyAdvice) {
    if (entityId == null || entityId.isBlank()) {
      return new Rejection(DeadLetterReason.MISSING_ENTITY_ID, what + " has an empty entityId");
    }
    byte[] entity = entityId.getBytes(StandardCharsets.UTF_8);
    if (entity.length > limits.maxEntityIdBytes()) {
      return new Rejection(DeadLetterReason.ENTITY_ID_TOO_LONG, what + " entityId " + quote(entityId) + " is "
          + entity.length + " bytes; cellstream.input.max-entity-id-bytes = " + limits.maxEntityIdBytes());
    }
    if (eventId != null) {
      int eventBytes = utf8Length(eventId);
      if (eventBytes > limits.maxEventIdBytes()) {
        return new Rejection(DeadLetterReason.EVENT_ID_TOO_LONG, what + " eventId " + quote(eventId) + " is "
            + eventBytes + " bytes; cellstream.input.max-event-id-bytes = " + limits.maxEventIdBytes());
      }
    }
    if (key == null) {
      return new Rejection(DeadLetterReason.MISSING_KEY, what + " for entity " + quote(entityId) + " has no key: "
          + keyAdvice);
    }
    // Compared as bytes: the partitioner hashed these bytes, and the prediction's entityId is written from them.
    if (!Arrays.equals(key, entity)) {
      // At most 4 bytes per quoted character are decoded, however long the key.
      String shownKey = quote(new String(key, 0, Math.min(key.length, 4 * QUOTED_CHARS), StandardCharsets.UTF_8))
          + (key.length > 4 * QUOTED_CHARS ? " (" + key.length + " bytes)" : "");
      return new Rejection(DeadLetterReason.KEY_MISMATCH, what + " key " + shownKey + " differs from its entityId "
          + quote(entityId));
    }
    return null;
  }

  /** {@code 'text'}, or its first {@value #QUOTED_CHARS} characters and how long it is. */
  static String quote(String s) {
    if (s.length() <= QUOTED_CHARS) {
      return "'" + s + "'";
    }
    return "'" + s.substring(0, QUOTED_CHARS) + "...' (" + s.length() + " characters)";
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Whether the event carries its own label. */
  public static boolean hasTarget(Event event) {
    return event.getTarget() != null || event.getTargetVector() != null;
  }

  /** As {@link #label(Label, byte[], ModelSpec, InputLimits, float[])} with the default bounds. */
  public static Rejection label(Label label, byte[] key, ModelSpec spec, float[] target) {
    return label(label, key, spec, InputLimits.DEFAULTS, target);
  }

  /** Checks a label and its record key; on success writes the target into {@code target} (K) and returns null. */
  public static Rejection label(Label label, byte[] key, ModelSpec spec, InputLimits limits, float[] target) {
    Rejection ids = ids("label", label.getEntityId(), label.getEventId(), key, limits,
        "key labels by entityId, like the events, so that they meet on one partition");
    if (ids != null) {
      return ids;
    }
    try {
      Targets.toVector(spec, label.getTarget(), label.getTargetVector(), target);
    } catch (Targets.InvalidTargetException e) {
      return new Rejection(DeadLetterReason.INVALID_TARGET, e.getMessage());
    }
    return null;
  }
}
