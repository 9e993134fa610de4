package io.cellstream.serde;

/**
 * A record's bytes could not be turned into a value, and why: the stream dead-letters the record with
 * {@link Reason#code()} as its reason.
 *
 * <p>Only faults of the record itself are reported this way. A registry that does not answer, refuses our
 * credentials or fails with a 5xx throws {@link SchemaRegistryException} instead (unchecked): the record
 * may be fine, so it must not be dead-lettered; the application should retry or stop.
 */
public final class SerdeException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a record could not be decoded. */
  public enum Reason {
    /** Not our wire format: null, too short, wrong magic byte, or corrupt/truncated/over-long Avro. */
    UNDECODABLE("undecodable"),
    /** Wire format fine, but the registry does not know the schema id. */
    UNKNOWN_SCHEMA("unknown-schema"),
    /** The writer schema is not Avro or cannot be resolved against the reader schema. */
    INCOMPATIBLE_SCHEMA("incompatible-schema");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** Short stable name for dead letters and metric tags, e.g. {@code unknown-schema}. */
    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String topic;
  private final int schemaId;

  public SerdeException(Reason reason, String topic, int schemaId, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.topic = topic;
    this.schemaId = schemaId;
  }

  public SerdeException(Reason reason, String topic, String message) {
    this(reason, topic, -1, message, null);
  }

  public Reason reason() {
    return reason;
  }

  /** The topic the bytes came from, or null when unknown. */
  public String topic() {
    return topic;
  }

  /** The schema id read from the record, or -1 when none could be read. */
  public int schemaId() {
    return schemaId;
  }

  /** The class name of the underlying error (for a dead letter's errorClass), or this class's. */
  public String errorClass() {
    return getCause() == null ? SerdeException.class.getName() : getCause().getClass().getName();
  }
}
