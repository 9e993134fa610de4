package io.cellstream.stream;

/** Why an input record went to the dead-letter topic; the id is what the DeadLetter record and the metric carry. */
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
  INVALID_TARGET("invalid-target");

  private final String id;

  DeadLetterReason(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
