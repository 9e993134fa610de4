package io.cellstream.learn;

import io.cellstream.lstm.Adam;
import io.cellstream.lstm.Window;
import java.util.Arrays;

/**
 * Minibatch training of any {@link Cell}: {@link #accumulate} runs truncated BPTT on windows (of any lengths)
 * and sums their gradients; {@link #update} reduces, checks, clips and applies one Adam step, or refuses and
 * leaves the parameters and the optimiser exactly as they were. Either way the minibatch is then cleared.
 *
 * <p>Owns (and updates in place) the parameter buffer it is given. Not thread-safe: one per trainer thread.
 */
public final class MinibatchTrainer {

  private static final double EMA_ALPHA = 0.05;

  private final float[] params;   // the cell's layout
  private final Backprop backprop;
  private final Adam adam;
  private final TrainerConfig config;
  private final float[] grads;    // same layout as params

  private double lossSum;
  private int windows;
  private int labels;
  private double lossEma = Double.NaN; // mean loss per label of accepted updates, for the blow-up guard
  private long accepted;
  private long refused;

  public MinibatchTrainer(float[] params, Backprop backprop, Adam adam, TrainerConfig config) {
    if (adam.size() != params.length) {
      throw new IllegalArgumentException(
          "optimiser sized for " + adam.size() + " parameters, the model has " + params.length);
    }
    this.params = params;
    this.backprop = backprop;
    this.adam = adam;
    this.config = config;
    this.grads = new float[params.length];
  }

  /** A trainer of {@code cell} over {@code params} (updated in place) with a fresh Adam. */
  public static MinibatchTrainer create(Cell<?> cell, float[] params, io.cellstream.lstm.AdamConfig adam, TrainerConfig config) {
    return new MinibatchTrainer(params, cell.backprop(params), new Adam(adam, params.length), config);
  }

  /**
   * Forward and backward over one window; adds its gradient to the minibatch and returns its loss. Refuses
   * (IllegalArgumentException, nothing accumulated) a window of the wrong shape or with non-finite values.
   */
  public double accumulate(Window window) {
    double loss = backprop.accumulate(window, grads);
    lossSum += loss;
    windows++;
    labels += window.labelCount();
    return loss;
  }

  /** {@link #accumulate} each window, then {@link #update}. */
  public UpdateResult train(Iterable<Window> minibatch) {
    for (Window w : minibatch) {
      accumulate(w);
    }
    return update();
  }

  /** Reduce, check, clip and apply the accumulated minibatch; see {@link UpdateResult.Outcome}. */
  public UpdateResult update() {
    try {
      return decide();
    } finally {
      Arrays.fill(grads, 0f);
      lossSum = 0;
      windows = 0;
      labels = 0;
    }
  }

  private UpdateResult decide() {
    if (windows == 0 || labels == 0) {
      return result(UpdateResult.Outcome.EMPTY, "no labelled step in the minibatch", 0, false);
    }
    if (config.reduction() == TrainerConfig.Reduction.MEAN) {
      float scale = 1f / labels;
      for (int i = 0; i < grads.length; i++) {
        grads[i] *= scale;
      }
    }

    double sq = 0;
    for (float g : grads) {
      sq += (double) g * g;
    }
    double norm = Math.sqrt(sq);
    if (!Double.isFinite(lossSum) || !Double.isFinite(norm)) {
      refused++;
      return result(UpdateResult.Outcome.REFUSED_NON_FINITE_GRADIENT,
          "non-finite " + (Double.isFinite(lossSum) ? "gradient" : "loss") + " (loss " + lossSum
              + ", gradient norm " + norm + ")", norm, false);
    }
    double mean = lossSum / labels;
    if (mean > config.maxLossPerLabel()) {
      refused++;
      return result(UpdateResult.Outcome.REFUSED_LOSS_BLOW_UP,
          "mean loss per label " + mean + " above the limit " + config.maxLossPerLabel(), norm, false);
    }
    if (accepted >= config.blowUpWarmup() && !Double.isNaN(lossEma) && mean > config.blowUpFactor() * lossEma) {
      refused++;
      return result(UpdateResult.Outcome.REFUSED_LOSS_BLOW_UP, "mean loss per label " + mean + " above "
          + config.blowUpFactor() + " × its moving average " + lossEma, norm, false);
    }
    boolean clipped = false;
    if (config.clips()) {
      // as torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1
      double coef = config.clipNorm() / (norm + 1e-6);
      if (coef < 1) {
        float c = (float) coef;
        for (int i = 0; i < grads.length; i++) {
          grads[i] *= c;
        }
        clipped = true;
      }
    }
    if (!adam.step(params, grads)) {
      refused++;
      return result(UpdateResult.Outcome.REFUSED_NON_FINITE_UPDATE,
          "the update would make a parameter or an Adam moment non-finite", norm, clipped);
    }
    backprop.parametersChanged();
    accepted++;
    lossEma = Double.isNaN(lossEma) ? mean : (1 - EMA_ALPHA) * lossEma + EMA_ALPHA * mean;
    return result(UpdateResult.Outcome.APPLIED, "", norm, clipped);
  }

  private UpdateResult result(UpdateResult.Outcome outcome, String reason, double norm, boolean clipped) {
    return new UpdateResult(outcome, reason, lossSum, windows, labels, norm, clipped, adam.steps());
  }

  /** The live parameters (updated in place by {@link #update}). */
  public float[] parameters() {
    return params;
  }

  public Adam optimizer() {
    return adam;
  }

  public TrainerConfig config() {
    return config;
  }

  /** The gradient accumulated so far in this minibatch (live; the cell's layout). */
  public float[] pendingGradient() {
    return grads;
  }

  public int pendingWindows() {
    return windows;
  }

  /** Updates applied / refused since this trainer was made (or restored). */
  public long acceptedUpdates() {
    return accepted;
  }

  public long refusedUpdates() {
    return refused;
  }

  /** The blow-up guard's moving average of the mean loss per label (NaN before the first update). */
  public double lossMovingAverage() {
    return lossEma;
  }

  /** Restores the guard's memory after a restart, so that it behaves as if the trainer had never stopped. */
  public void restoreGuard(long acceptedUpdates, long refusedUpdates, double lossMovingAverage) {
    this.accepted = acceptedUpdates;
    this.refused = refusedUpdates;
    this.lossEma = lossMovingAverage;
  }
}
