package io.cellstream.input;

/**
 * Bounds on the variable-size parts of an input record, checked before the learner sees it: every one of them
 * ends up in an entity's state, a prediction, a training example or a dead letter, whose sizes the broker
 * limits. A record over a bound is dead-lettered with the bound's reason; nothing past the check can grow
 * without bound.
 *
 * @param maxRecordBytes   a record's value larger than this is {@code oversized}
 *                         ({@code cellstream.input.max-record-bytes})
 * @param maxEntityIdBytes an entity id (and so a record key) longer than this in UTF-8 is
 *                         {@code entity-id-too-long} ({@code cellstream.input.max-entity-id-bytes})
 * @param maxEventIdBytes  an event id longer than this in UTF-8 is {@code event-id-too-long}
 *                         ({@code cellstream.input.max-event-id-bytes})
 */
public record InputLimits(int maxRecordBytes, int maxEntityIdBytes, int maxEventIdBytes) {

  /** Ids are stored with a 16-bit length (entity state, training examples): this is the most any limit may be. */
  public static final int MAX_ID_BYTES = 16_384;

  /** The documented defaults: half of Kafka's default 1 MiB record limit, and 1 KiB per id. */
  public static final InputLimits DEFAULTS = new InputLimits(512 * 1024, 1024, 1024);

  public InputLimits {
    if (maxRecordBytes < 64) {
      throw new IllegalArgumentException("max record bytes must be >= 64, got " + maxRecordBytes);
    }
    if (maxEntityIdBytes < 1 || maxEntityIdBytes > MAX_ID_BYTES) {
      throw new IllegalArgumentException("max entity id bytes must be in 1.." + MAX_ID_BYTES + ", got " + maxEntityIdBytes);
    }
    if (maxEventIdBytes < 1 || maxEventIdBytes > MAX_ID_BYTES) {
      throw new IllegalArgumentException("max event id bytes must be in 1.." + MAX_ID_BYTES + ", got " + maxEventIdBytes);
    }
  }

  /** These limits with another record size limit. */
  public InputLimits withMaxRecordBytes(int bytes) {
    return new InputLimits(bytes, maxEntityIdBytes, maxEventIdBytes);
  }
}
