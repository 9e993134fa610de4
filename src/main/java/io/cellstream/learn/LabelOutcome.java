package io.cellstream.learn;

/** What became of a label (inline or from the labels topic); each is counted. */
public enum LabelOutcome {
  /** Matched to its step: a training example was made (or counted, with training off). */
  MATCHED("matched"),
  /** Its step has left the entity's window: too late to learn from. */
  EXPIRED("expired"),
  /** No state for the entity: never seen, or its events went elsewhere. */
  UNKNOWN_ENTITY("unknown-entity"),
  /** The entity is known but the event id is neither in its window nor plausibly older. */
  UNKNOWN_EVENT("unknown-event"),
  /** The step already had a label: learning twice from it would overweight it. */
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
