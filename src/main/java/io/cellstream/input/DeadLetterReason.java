package io.cellstream.input;

/**
 * Why an input record went to the dead-letter topic; the id is what the DeadLetter record and the metric carry. The
 * input layer ({@link InputReader}) decides the reasons of records that cannot be read; the label join's outcomes
 * and the memory's bound add the rest.
 */
public enum DeadLetterReason {
  UNDECODABLE("undecodable"),
  UNKNOWN_SCHEMA("unknown-schema"),
  INCOMPATIBLE_SCHEMA("incompatible-schema"),
  WRONG_DIMENSION("wrong-dimension"),
  NON_FINITE("non-finite"),
  MISSING_ENTITY_ID("missing-entity-id"),
  MISSING_KEY("missing-key"),
  KEY_MISMATCH("key-mismatch"),
  OVERSIZED("oversized"),
  /** The entity id is longer than cellstream.input.max-entity-id-bytes. */
  ENTITY_ID_TOO_LONG("entity-id-too-long"),
  /** The event id (of an event or a label) is longer than cellstream.input.max-event-id-bytes. */
  EVENT_ID_TOO_LONG("event-id-too-long"),
  /** Even with its window emptied, the entity's memory after this event would not fit its changelog. */
  STATE_TOO_LARGE("state-too-large"),
  INVALID_TARGET("invalid-target"),
  /** A field the input mapping reads (cellstream.input.*, cellstream.labels.*, cellstream.features) is absent or null. */
  MISSING_FIELD("missing-field"),
  /** A field is there but cannot be read as its use needs (a number, a time, a boolean, a text). */
  MALFORMED_FIELD("malformed-field"),
  /** A label whose event has left the entity's window. */
  LABEL_TOO_LATE("label-too-late"),
  /** A label held for an event that did not come within cellstream.labels.hold.* (or did, unrecorded). */
  LABEL_UNMATCHED("label-unmatched"),
  /** A second label for an event that has one (or has one held for it). */
  LABEL_DUPLICATE("label-duplicate"),
  /**
   * Low-latency mode: an event delivered again after a crash, applied to its entity's memory already, whose prediction
   * is older than the ones the memory keeps (cellstream.delivery.kept-predictions): it is not stepped again (that
   * would advance the memory twice) and its prediction cannot be emitted again.
   */
  REDELIVERED_NOT_KEPT("redelivered-not-kept");

  private final String id;

  DeadLetterReason(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
