package io.cellstream.learn;

/**
 * What one {@link MinibatchTrainer#update()} did.
 *
 * @param outcome         applied, or why not
 * @param reason          a sentence for logs and metrics (empty when applied)
 * @param loss            summed loss of the minibatch
 * @param windows         windows in the minibatch
 * @param labelledSteps   labelled steps in the minibatch
 * @param gradNorm        global L2 norm of the (reduced) gradient before clipping
 * @param clipped         whether the gradient was scaled down to the clip norm
 * @param optimizerSteps  Adam steps applied so far, this one included if applied
 */
public record UpdateResult(Outcome outcome, String reason, double loss, int windows, int labelledSteps,
    double gradNorm, boolean clipped, long optimizerSteps) {

  public enum Outcome {
    APPLIED,
    /** No window, or no labelled step: nothing to learn from. */
    EMPTY,
    /** The loss or a gradient was NaN or infinite. */
    REFUSED_NON_FINITE_GRADIENT,
    /** Adam's update would have made a parameter or a moment non-finite. */
    REFUSED_NON_FINITE_UPDATE,
    /** The loss was above the configured limits. */
    REFUSED_LOSS_BLOW_UP
  }

  public boolean applied() {
    return outcome == Outcome.APPLIED;
  }

  /** Mean loss per labelled step (NaN when there was none). */
  public double meanLoss() {
    return labelledSteps == 0 ? Double.NaN : loss / labelledSteps;
  }
}
