package io.cellstream.eval;

/**
 * One record of a generated stream, in the order a broker would deliver it: an event (to predict, and
 * maybe with its label inline) or a label that arrives after its event.
 */
public sealed interface StreamRecord permits TaskEvent, TaskLabel {

  /** The entity the record belongs to (the Kafka key). */
  String entityId();

  /** The labelled event's id for a label, the event's own id for an event. */
  String eventId();
}
