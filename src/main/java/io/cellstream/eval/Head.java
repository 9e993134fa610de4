package io.cellstream.eval;

import io.cellstream.lstm.Task;

/**
 * The dense head's activation, loss and loss gradient, shared by the baselines and matching the LSTM's:
 * binary — sigmoid, binary cross-entropy; multiclass — softmax, cross-entropy; regression — identity,
 * squared error Σ(y − t)² (no ½). The gradient with respect to the logits is y − t, y − onehot(t) and
 * 2(y − t) respectively.
 */
public final class Head {

  private Head() {}

  /** out[0..K) = activation(logits[0..K)). */
  public static void activate(Task task, float[] logits, float[] out, int k) {
    switch (task) {
      case BINARY -> {
        for (int i = 0; i < k; i++) {
          out[i] = sigmoid(logits[i]);
        }
      }
      case MULTICLASS -> {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
          max = Math.max(max, logits[i]);
        }
        float sum = 0;
        for (int i = 0; i < k; i++) {
          out[i] = (float) Math.exp(logits[i] - max);
          sum += out[i];
        }
        for (int i = 0; i < k; i++) {
          out[i] /= sum;
        }
      }
      case REGRESSION -> System.arraycopy(logits, 0, out, 0, k);
    }
  }

  /**
   * Loss of activated outputs {@code y} against {@code target} (binary: 0/1 for output 0; multiclass:
   * class index; regression: value of output 0). Probabilities are clipped at 1e-7 so that the loss stays
   * finite.
   */
  public static double loss(Task task, float[] y, float target, int k) {
    return switch (task) {
      case BINARY -> {
        double p = MetricSet.clip(y[0]);
        yield target >= 0.5f ? -Math.log(p) : -Math.log(1 - p);
      }
      case MULTICLASS -> -Math.log(Math.max(MetricSet.LOG_LOSS_EPS, y[Math.round(target)]));
      case REGRESSION -> {
        double e = y[0] - (double) target;
        yield e * e;
      }
    };
  }

  /** d loss / d logits into {@code dLogits[0..K)}. */
  public static void gradient(Task task, float[] y, float target, float[] dLogits, int k) {
    switch (task) {
      case BINARY -> dLogits[0] = y[0] - target;
      case MULTICLASS -> {
        int c = Math.round(target);
        for (int i = 0; i < k; i++) {
          dLogits[i] = y[i] - (i == c ? 1f : 0f);
        }
      }
      case REGRESSION -> dLogits[0] = 2f * (y[0] - target);
    }
  }

  /** Checks a target before it is learned from. */
  public static void checkTarget(Task task, float target, int k) {
    boolean ok = switch (task) {
      case BINARY -> target == 0f || target == 1f;
      case MULTICLASS -> target == Math.rint(target) && target >= 0 && target < k;
      case REGRESSION -> Float.isFinite(target);
    };
    if (!ok) {
      throw new IllegalArgumentException("bad " + task.id() + " target " + target
          + (task == Task.MULTICLASS ? " (class index 0.." + (k - 1) + ")" : task == Task.BINARY ? " (0 or 1)" : ""));
    }
  }

  static float sigmoid(float z) {
    return (float) (1.0 / (1.0 + Math.exp(-z)));
  }

  /**
   * Scales {@code g} so that its L2 norm is at most {@code maxNorm} (PyTorch's clip_grad_norm_), returning
   * the norm before clipping. {@code maxNorm} ≤ 0 disables clipping.
   */
  public static double clipByGlobalNorm(float[] g, float maxNorm) {
    double s = 0;
    for (float v : g) {
      s += (double) v * v;
    }
    double norm = Math.sqrt(s);
    if (maxNorm > 0 && norm > maxNorm) {
      float scale = (float) (maxNorm / (norm + 1e-6));
      for (int i = 0; i < g.length; i++) {
        g[i] *= scale;
      }
    }
    return norm;
  }
}
