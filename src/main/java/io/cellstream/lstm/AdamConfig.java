package io.cellstream.lstm;

/**
 * Adam's hyper-parameters, PyTorch's names and defaults (no weight decay).
 *
 * @param amsgrad divide by the largest second moment seen so far instead of the current one (PyTorch's
 *                {@code amsgrad=True}, Reddi et al. 2018). Online, after a model has learned, gradients and so
 *                the second moments shrink towards zero; a rare error then makes a step of several learning
 *                rates in every parameter at once and can undo what was learned. AMSGrad keeps the denominator
 *                from shrinking. Off by default, as in PyTorch.
 */
public record AdamConfig(float learningRate, float beta1, float beta2, float eps, boolean amsgrad) {

  public static final AdamConfig DEFAULTS = new AdamConfig(1e-3f, 0.9f, 0.999f, 1e-8f);

  /** Plain Adam (amsgrad off). */
  public AdamConfig(float learningRate, float beta1, float beta2, float eps) {
    this(learningRate, beta1, beta2, eps, false);
  }

  public AdamConfig {
    if (!(learningRate > 0 && Float.isFinite(learningRate))) {
      throw new IllegalArgumentException("learning rate must be > 0 and finite, got " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(eps > 0 && Float.isFinite(eps))) {
      throw new IllegalArgumentException("eps must be > 0 and finite, got " + eps);
    }
  }

  public AdamConfig withLearningRate(float lr) {
    return new AdamConfig(lr, beta1, beta2, eps, amsgrad);
  }

  public AdamConfig withAmsgrad(boolean on) {
    return new AdamConfig(learningRate, beta1, beta2, eps, on);
  }
}
