package io.cellstream.eval;

/**
 * Which labels travel inline on their event and which come later as a separate {@link TaskLabel}.
 *
 * <p>A delayed label of an entity's step {@code s} is emitted right after that entity's step
 * {@code s + delaySteps} (so {@code delaySteps = 0} puts it right behind its own event, as a separate
 * record). The delay counts the <em>entity's own</em> events: that is what decides whether the labelled
 * step is still inside a model's per-entity window (the service's label join, the RNN baseline's ring).
 * Labels still pending when the stream ends are emitted after the last event, in the order they were due.
 *
 * @param delayedFraction probability, per labelled event, that its label is delayed (0 = all inline)
 * @param delaySteps      delay of a delayed label, in events of the same entity (≥ 0)
 */
public record LabelPolicy(double delayedFraction, int delaySteps) {

  public static final LabelPolicy INLINE = new LabelPolicy(0, 0);

  public LabelPolicy {
    if (!(delayedFraction >= 0 && delayedFraction <= 1)) {
      throw new IllegalArgumentException("delayed fraction must be in [0, 1], got " + delayedFraction);
    }
    if (delaySteps < 0) {
      throw new IllegalArgumentException("label delay must be >= 0 events, got " + delaySteps);
    }
  }

  /** Every label delayed by {@code delaySteps} events of its entity. */
  public static LabelPolicy delayed(int delaySteps) {
    return new LabelPolicy(1, delaySteps);
  }
}
