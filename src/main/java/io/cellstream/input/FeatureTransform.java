package io.cellstream.input;

import io.cellstream.learn.FeatureMemory;
import io.cellstream.state.EntityState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link FeatureList} compiled against the fields a reader finds: turns a record's field values into the model's
 * raw inputs ({@link #transform}), completes the inputs that depend on the entity's past from its feature memory
 * ({@link #complete}) and keeps that memory ({@link #targetLearned}).
 *
 * <p>The entity's feature memory ({@link EntityState#featureMemory()}) belongs to this class; its layout, version 1,
 * little-endian:
 *
 * <pre>
 *   byte   format version (1)
 *   int    String.hashCode of the canonical feature list: a memory of another list is not read (it starts afresh)
 *   long   per since() feature, the latest time of its field seen (epoch ms); Long.MIN_VALUE before the first
 *   byte   with prev_target(): 1 when a target has been learned from, else 0
 *   float  with prev_target(): K values of that target
 * </pre>
 *
 * Lists without since() and prev_target() keep no memory at all. Not thread-safe (it has none to share: the state
 * belongs to the caller), one per reader.
 */
public final class FeatureTransform implements FeatureMemory {

  static final byte MEMORY_VERSION = 1;
  static final long NO_TIME = Long.MIN_VALUE;

  private final FeatureList list;
  private final int outputSize;
  private final int[] slots;        // (n) the field slot of each feature; -1 for prev_target()
  private final int[] sinceIndex;   // (n) index among the since() features, or -1
  private final int sinceCount;
  private final int prevTargetOffset; // first input of prev_target(), or -1
  private final int fingerprint;
  private final int memoryBytes;
  private final FieldValue scratch = new FieldValue(); // a default's value

  FeatureTransform(FeatureList list, int[] slots) {
    this.list = list;
    this.outputSize = list.outputSize();
    this.slots = slots;
    this.sinceIndex = new int[list.size()];
    int s = 0;
    int prev = -1;
    for (int i = 0; i < list.size(); i++) {
      Feature f = list.get(i);
      sinceIndex[i] = f.kind() == Feature.Kind.SINCE ? s++ : -1;
      if (f.kind() == Feature.Kind.PREV_TARGET) {
        prev = list.offset(i);
      }
    }
    this.sinceCount = s;
    this.prevTargetOffset = prev;
    this.fingerprint = list.canonical().hashCode();
    this.memoryBytes = list.usesMemory() ? 1 + 4 + 8 * s + (prev >= 0 ? 1 + 4 * outputSize : 0) : 0;
  }

  public FeatureList list() {
    return list;
  }

  int sinceCount() {
    return sinceCount;
  }

  /**
   * The raw inputs of one record into {@code into.inputs} (since() and prev_target() are only prepared: their
   * times into {@code into.sinceTimes}), or why the record cannot be used: the first field that is missing or
   * malformed without a default, or that makes a non-finite input.
   */
  Rejection transform(RecordFields fields, CheckedEvent into) {
    float[] u = into.inputs;
    for (int i = 0; i < list.size(); i++) {
      Feature f = list.get(i);
      int at = list.offset(i);
      if (f.kind() == Feature.Kind.PREV_TARGET) {
        continue;
      }
      FieldValue v = fields.value(slots[i]);
      boolean read = !v.isMissing() && read(f, v);
      if (!read) {
        if (f.defaultValue() == null) {
          return v.isMissing()
              ? new Rejection(DeadLetterReason.MISSING_FIELD, f.field().toString(), "field '" + f.field()
                  + "' of " + f.canonical() + " is missing (or null); give the transform a default= to use instead")
              : new Rejection(DeadLetterReason.MALFORMED_FIELD, f.field().toString(), "field '" + f.field() + "' of "
                  + f.canonical() + " is " + v.describe() + ", not " + needs(f) + "; give the transform a default= to use instead");
        }
        scratch.setText(f.defaultValue());
        v = scratch;
        read(f, v); // checked when the list was parsed
      }
      switch (f.kind()) {
        case NUM -> u[at] = (float) v.asNumber;
        case LOG -> u[at] = (float) Transforms.signedLog1p(v.asNumber);
        case BOOL -> u[at] = v.asBoolean ? 1f : 0f;
        case CAT -> {
          java.util.Arrays.fill(u, at, at + f.buckets(), 0f);
          u[at + Transforms.bucket(v.asText, f.buckets())] = 1f;
        }
        case HOUR -> {
          double a = 2 * Math.PI * Transforms.hourOfDay(v.asMillis, f.zone()) / 24;
          u[at] = (float) Math.sin(a);
          u[at + 1] = (float) Math.cos(a);
        }
        case WEEKDAY -> {
          double a = 2 * Math.PI * Transforms.weekday(v.asMillis, f.zone()) / 7;
          u[at] = (float) Math.sin(a);
          u[at + 1] = (float) Math.cos(a);
        }
        case SINCE -> {
          into.sinceTimes[sinceIndex[i]] = v.asMillis;
          u[at] = 0f;
        }
        case PREV_TARGET -> { }
      }
      if (!Float.isFinite(u[at])) {
        return new Rejection(DeadLetterReason.NON_FINITE, f.field().toString(), "field '" + f.field() + "' of "
            + f.canonical() + " is " + v.describe() + ", which makes the input " + u[at] + " (beyond float32)");
      }
    }
    if (prevTargetOffset >= 0) {
      java.util.Arrays.fill(u, prevTargetOffset, prevTargetOffset + outputSize + 1, 0f);
    }
    return null;
  }

  private static boolean read(Feature f, FieldValue v) {
    return switch (f.kind()) {
      case NUM, LOG -> v.readNumber();
      case BOOL -> v.readBoolean();
      case CAT -> v.readText();
      case HOUR, WEEKDAY, SINCE -> v.readTime();
      case PREV_TARGET -> true;
    };
  }

  private static String needs(Feature f) {
    return switch (f.kind()) {
      case NUM, LOG -> "a finite number";
      case BOOL -> "a boolean (true/false, 1/0)";
      case CAT -> "a text, a number or a boolean";
      default -> "a time (an Avro timestamp, epoch seconds or milliseconds, or ISO-8601)";
    };
  }

  /**
   * The event's raw inputs (D) into {@code u}: its own, then since() and prev_target() from the entity's memory;
   * records the event's times in the memory (a new array: the state's is never changed in place).
   */
  void complete(CheckedEvent e, EntityState entity, float[] u) {
    System.arraycopy(e.inputs, 0, u, 0, e.inputs.length);
    if (memoryBytes == 0) {
      return;
    }
    byte[] old = entity.featureMemory();
    boolean valid = isValid(old);
    ByteBuffer in = valid ? ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN) : null;
    byte[] now = valid ? old.clone() : fresh();
    ByteBuffer out = ByteBuffer.wrap(now).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < list.size(); i++) {
      int k = sinceIndex[i];
      if (k < 0) {
        continue;
      }
      int pos = 5 + 8 * k;
      long previous = valid ? in.getLong(pos) : NO_TIME;
      long t = e.sinceTimes[k];
      u[list.offset(i)] = previous == NO_TIME ? 0f : (float) Transforms.sinceLog(previous, t);
      out.putLong(pos, previous == NO_TIME ? t : Math.max(previous, t));
    }
    if (prevTargetOffset >= 0) {
      int pos = 5 + 8 * sinceCount;
      boolean known = valid && old[pos] == 1;
      for (int j = 0; j < outputSize; j++) {
        u[prevTargetOffset + j] = known ? in.getFloat(pos + 1 + 4 * j) : 0f;
      }
      u[prevTargetOffset + outputSize] = known ? 0f : 1f;
    }
    entity.setFeatureMemory(now);
  }

  /** prev_target(): the entity's most recent target learned from is {@code target} (K) now. */
  @Override
  public void targetLearned(EntityState entity, float[] target) {
    if (prevTargetOffset < 0) {
      return;
    }
    byte[] old = entity.featureMemory();
    byte[] now = isValid(old) ? old.clone() : fresh();
    ByteBuffer out = ByteBuffer.wrap(now).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 5 + 8 * sinceCount;
    now[pos] = 1;
    for (int j = 0; j < outputSize; j++) {
      out.putFloat(pos + 1 + 4 * j, target[j]);
    }
    entity.setFeatureMemory(now);
  }

  private boolean isValid(byte[] m) {
    return m.length == memoryBytes && m[0] == MEMORY_VERSION
        && ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getInt(1) == fingerprint;
  }

  private byte[] fresh() {
    byte[] m = new byte[memoryBytes];
    ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, MEMORY_VERSION).putInt(1, fingerprint);
    for (int k = 0; k < sinceCount; k++) {
      b.putLong(5 + 8 * k, NO_TIME);
    }
    return m;
  }
}
