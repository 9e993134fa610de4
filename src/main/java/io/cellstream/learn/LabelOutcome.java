package io.cellstream.learn;

/**
 * What became of a label (inline or from the labels topic); each is counted. Every label ends as
 * {@link #MATCHED} (learned from once) or as one of {@link #EXPIRED}, {@link #UNMATCHED}, {@link #DUPLICATE}
 * (which the service dead-letters with the label's bytes); {@link #HELD} is the wait before one of those, and
 * {@link #NO_WINDOW} a deployment that keeps no window (inference only) and so learns from no label.
 */
public enum LabelOutcome {
  /** Matched to its step: a training example was made (or counted, with training off). */
  MATCHED("matched"),
  /** Its event has not come yet: held in the entity's state until it does (then matched) or until given up on. */
  HELD("held"),
  /** Its step has left the entity's window: too late to learn from. */
  EXPIRED("expired"),
  /** Held for an event that did not come within the hold's bounds (time, or newer labels pushing it out). */
  UNMATCHED("unmatched"),
  /** The step already had a label (or one is held for it): learning twice from it would overweight it. */
  DUPLICATE("duplicate"),
  /** The entity keeps no window (cellstream.window.steps = 0). */
  NO_WINDOW("no-window");

  private final String id;

  LabelOutcome(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
