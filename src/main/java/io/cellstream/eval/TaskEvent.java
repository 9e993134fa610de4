package io.cellstream.eval;

import java.util.Arrays;

/**
 * One generated event of one entity.
 *
 * @param entityId        e.g. {@code "e00042"}; the Kafka key
 * @param eventId         unique per entity ({@code "e00042:17"} = the entity's 18th event); labels refer to it
 * @param eventTimeMillis strictly increasing over the whole stream
 * @param features        exactly D values, all finite (the task's feature layout)
 * @param target          the inline label, or null when the event has none or its label comes later
 * @param label           whether and how this event is labelled: only labelled events are scored
 * @param role            what the event is in its task (cue, distractor, query, step …)
 * @param sequence        index of the episode / sequence / string this event belongs to, per entity (0, 1, …)
 * @param position        position of the event in that sequence (0-based)
 * @param sequenceLength  number of events of that sequence
 * @param legalMask       Reber: bit k set when class k is an acceptable next symbol; 0 for other tasks
 * @param inputs          the raw inputs as the input layer made them from a record of the user's own format (replay),
 *                        completed from the entity's memory by each learner; null when {@code features} is all
 */
public record TaskEvent(
    String entityId,
    String eventId,
    long eventTimeMillis,
    float[] features,
    Float target,
    LabelMode label,
    EventRole role,
    long sequence,
    int position,
    int sequenceLength,
    int legalMask,
    io.cellstream.learn.EventInputs inputs)
    implements StreamRecord {

  /** An event whose features are all there is to it (the tasks, the cellstream format). */
  public TaskEvent(String entityId, String eventId, long eventTimeMillis, float[] features, Float target,
      LabelMode label, EventRole role, long sequence, int position, int sequenceLength, int legalMask) {
    this(entityId, eventId, eventTimeMillis, features, target, label, role, sequence, position, sequenceLength,
        legalMask, null);
  }

  public TaskEvent {
    if (entityId == null || eventId == null || features == null || label == null || role == null) {
      throw new IllegalArgumentException("entityId, eventId, features, label and role are required");
    }
    if ((label == LabelMode.INLINE) != (target != null)) {
      throw new IllegalArgumentException(
          "an inline label needs a target and only an inline label has one (label=" + label + ")");
    }
  }

  /** True when a label exists for this event (inline or delayed): its prediction will be scored. */
  public boolean labelled() {
    return label != LabelMode.NONE;
  }

  /** Long-lag query events (the only labelled ones of that task). */
  public boolean isQuery() {
    return role == EventRole.QUERY;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskEvent e
        && entityId.equals(e.entityId)
        && eventId.equals(e.eventId)
        && eventTimeMillis == e.eventTimeMillis
        && Arrays.equals(features, e.features)
        && java.util.Objects.equals(target, e.target)
        && label == e.label
        && role == e.role
        && sequence == e.sequence
        && position == e.position
        && sequenceLength == e.sequenceLength
        && legalMask == e.legalMask;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(entityId, eventId, eventTimeMillis, Arrays.hashCode(features), target,
        label, role, sequence, position);
  }

  @Override
  public String toString() {
    return "TaskEvent[" + eventId + " t=" + eventTimeMillis + " " + role + " x=" + Arrays.toString(features)
        + (target != null ? " target=" + target : "") + (label == LabelMode.DELAYED ? " (label delayed)" : "")
        + "]";
  }
}
