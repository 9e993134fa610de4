package io.cellstream.eval;

/** How the label of an event reaches the evaluator (and the service). */
public enum LabelMode {
  /** The event has no label: its prediction is never scored and nothing is learned from it. */
  NONE,
  /** The label travels on the event itself ({@link TaskEvent#target()}). */
  INLINE,
  /** The label follows later as a separate {@link TaskLabel} record for the same entity and event id. */
  DELAYED
}
