package io.cellstream.eval;

/**
 * A label for an earlier event of the same entity, delivered as its own record (the service's labels
 * topic). {@code target} is 0/1 (binary), a class index (multiclass) or a value (regression).
 */
public record TaskLabel(String entityId, String eventId, long labelTimeMillis, float target)
    implements StreamRecord {

  public TaskLabel {
    if (entityId == null || eventId == null) {
      throw new IllegalArgumentException("a label needs an entity id and an event id");
    }
  }
}
