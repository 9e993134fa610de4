package io.cellstream.learn;

/**
 * How {@link MinibatchTrainer} turns a minibatch's gradients into an update.
 *
 * @param clipNorm           clip the gradient to this global L2 norm (PyTorch's clip_grad_norm_);
 *                           0 or +∞ turns clipping off
 * @param reduction          SUM: the gradient of the summed loss; MEAN: divided by the number of
 *                           labelled steps in the minibatch (step size independent of minibatch size)
 * @param maxLossPerLabel    refuse an update when the minibatch's mean loss per labelled step is above
 *                           this (+∞: off)
 * @param blowUpFactor       refuse an update when that mean loss is above this factor times its moving
 *                           average over accepted updates (+∞: off)
 * @param blowUpWarmup       accepted updates before {@code blowUpFactor} applies
 */
public record TrainerConfig(float clipNorm, Reduction reduction, double maxLossPerLabel, double blowUpFactor,
    int blowUpWarmup) {

  /** How the minibatch loss is reduced before differentiation. */
  public enum Reduction { SUM, MEAN }

  /** Clip at 1.0, mean over labelled steps, no loss guard. */
  public static final TrainerConfig DEFAULTS =
      new TrainerConfig(1.0f, Reduction.MEAN, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 20);

  public TrainerConfig {
    if (!(clipNorm >= 0) ) {
      throw new IllegalArgumentException("clip norm must be >= 0 (0 = off), got " + clipNorm);
    }
    if (reduction == null) {
      throw new IllegalArgumentException("reduction must be SUM or MEAN");
    }
    if (!(maxLossPerLabel > 0)) {
      throw new IllegalArgumentException("max loss per label must be > 0 (+inf = off), got " + maxLossPerLabel);
    }
    if (!(blowUpFactor > 1)) {
      throw new IllegalArgumentException("blow-up factor must be > 1 (+inf = off), got " + blowUpFactor);
    }
    if (blowUpWarmup < 0) {
      throw new IllegalArgumentException("blow-up warm-up must be >= 0, got " + blowUpWarmup);
    }
  }

  public TrainerConfig withClipNorm(float norm) {
    return new TrainerConfig(norm, reduction, maxLossPerLabel, blowUpFactor, blowUpWarmup);
  }

  public TrainerConfig withReduction(Reduction r) {
    return new TrainerConfig(clipNorm, r, maxLossPerLabel, blowUpFactor, blowUpWarmup);
  }

  public TrainerConfig withMaxLossPerLabel(double max) {
    return new TrainerConfig(clipNorm, reduction, max, blowUpFactor, blowUpWarmup);
  }

  public TrainerConfig withBlowUpGuard(double factor, int warmup) {
    return new TrainerConfig(clipNorm, reduction, maxLossPerLabel, factor, warmup);
  }

  boolean clips() {
    return clipNorm > 0 && Float.isFinite(clipNorm);
  }
}
