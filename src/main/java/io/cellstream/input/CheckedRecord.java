package io.cellstream.input;

/**
 * What a checked event and a checked label have in common: whose it is, which event it names, when, where it is
 * processed, and its target. Filled in by the {@link InputReader} that reuses it from record to record.
 */
public abstract sealed class CheckedRecord permits CheckedEvent, CheckedLabel {

  String entityId;
  byte[] entityIdUtf8;
  String eventId;        // an event's: null when none given; a label's: the event it labels
  long time;             // epoch ms: an event's time; a label's labelTime (cellstream format) or record timestamp
  boolean atHome;        // the record's key is its entity id: it is on the entity's partition already
  final float[] target;  // (K) an event's inline target (when it has one), a label's target

  CheckedRecord(int outputSize) {
    this.target = new float[outputSize];
  }

  CheckedRecord(CheckedRecord o) {
    this.entityId = o.entityId;
    this.entityIdUtf8 = o.entityIdUtf8.clone();
    this.eventId = o.eventId;
    this.time = o.time;
    this.atHome = o.atHome;
    this.target = o.target.clone();
  }

  public String entityId() {
    return entityId;
  }

  /** The entity id in UTF-8: the key of its store entry and of everything published for it. */
  public byte[] entityIdUtf8() {
    return entityIdUtf8;
  }

  /** An event's id as the record gave it, or null (the host then names the event by where it came from); a label's event. */
  public String eventId() {
    return eventId;
  }

  public long time() {
    return time;
  }

  /** (K) the head's target vector (an event's only valid when it has one). */
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
}
