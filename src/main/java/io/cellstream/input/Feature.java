package io.cellstream.input;

import java.time.ZoneId;

/**
 * One entry of {@code cellstream.features}: a transform of one field into one or more model inputs.
 *
 * <pre>
 * num(f)             1 input   the number, standardised (the model's statistics)
 * log(f)             1 input   sign(v)·ln(1 + |v|), then standardised
 * bool(f)            1 input   1 or 0
 * cat(f, N)          N inputs  one-hot of bucket FNV-1a-32(UTF-8 of the value as text) mod N
 * hour(f[, zone])    2 inputs  sin, cos of 2π·h/24, h = hour of day with minutes and seconds as fractions
 * weekday(f[, zone]) 2 inputs  sin, cos of 2π·d/7, d = 0 for Monday … 6 for Sunday
 * since(f)           1 input   ln(1 + seconds since the entity's previous event's f), 0 for its first
 * prev_target()      K+1       the entity's most recent target learned from (K values, 0 for none), then 1 if
 *                              there is none yet, else 0
 * </pre>
 *
 * Times are read as {@link FieldValue#readTime()} says; zones default to UTC. {@code default=v} (every transform of
 * a field) is used when the field is missing, null or malformed; without one such a record is a dead letter naming
 * the field.
 *
 * @param kind       the transform
 * @param field      the field it reads; null for prev_target()
 * @param buckets    N of cat(f, N); 0 otherwise
 * @param zone       the zone of hour and weekday; null otherwise
 * @param defaultValue the value used for a missing or malformed field, as written; null for none
 */
public record Feature(Kind kind, FieldPath field, int buckets, ZoneId zone, String defaultValue) {

  /** The transforms, by their names in {@code cellstream.features}. */
  public enum Kind {
    NUM("num"), LOG("log"), BOOL("bool"), CAT("cat"), HOUR("hour"), WEEKDAY("weekday"), SINCE("since"),
    PREV_TARGET("prev_target");

    final String id;

    Kind(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }

  /** Inputs this feature takes, for a model with K outputs. */
  public int width(int outputSize) {
    return switch (kind) {
      case NUM, LOG, BOOL, SINCE -> 1;
      case CAT -> buckets;
      case HOUR, WEEKDAY -> 2;
      case PREV_TARGET -> outputSize + 1;
    };
  }

  /** Whether the model standardises this input with its statistics (num and log). */
  public boolean standardised() {
    return kind == Kind.NUM || kind == Kind.LOG;
  }

  /** Whether it depends on the entity's past (kept in its feature memory). */
  public boolean usesMemory() {
    return kind == Kind.SINCE || kind == Kind.PREV_TARGET;
  }

  /** The canonical form, as {@link FeatureList#canonical()} writes it: {@code cat(merchant.code, 16, default=none)}. */
  public String canonical() {
    StringBuilder b = new StringBuilder(kind.id).append('(');
    if (field != null) {
      b.append(field);
    }
    if (kind == Kind.CAT) {
      b.append(", ").append(buckets);
    }
    if (zone != null && !zone.equals(java.time.ZoneOffset.UTC)) {
      b.append(", ").append(zone.getId());
    }
    if (defaultValue != null) {
      b.append(", default=").append(FeatureList.quoteIfNeeded(defaultValue));
    }
    return b.append(')').toString();
  }
}
