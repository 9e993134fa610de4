package io.cellstream.input;

/** A label as the input layer accepted it: whose, for which event, its target, and when. Reused by its reader. */
public final class CheckedLabel {

  String entityId;
  byte[] entityIdUtf8;
  String eventId;
  long time;             // the label's time: its labelTime (cellstream format) or the record's timestamp, epoch ms
  boolean atHome;
  final float[] target;  // (K)

  CheckedLabel(int outputSize) {
    this.target = new float[outputSize];
  }

  public String entityId() {
    return entityId;
  }

  public byte[] entityIdUtf8() {
    return entityIdUtf8;
  }

  public String eventId() {
    return eventId;
  }

  public long time() {
    return time;
  }

  /** (K) the head's target vector. */
  public float[] target() {
    return target;
  }

  /** Whether the record's key is its entity id (else a user format's label is repartitioned first). */
  public boolean atHome() {
    return atHome;
  }
}
