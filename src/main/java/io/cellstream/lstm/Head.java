package io.cellstream.lstm;

/**
 * The dense head's activation and the per-step loss, in scalar float/double: K is small (a handful of
 * outputs), so both kernels share this code and agree exactly on it.
 *
 * <pre>
 * binary      y_k = σ(z_k)             loss = Σ_k BCE(σ(z_k), t_k)        dL/dz_k = y_k - t_k
 * multiclass  y   = softmax(z)         loss = -Σ_k t_k log softmax(z)_k   dL/dz_k = y_k Σ_j t_j - t_k
 * regression  y_k = z_k                loss = ½ Σ_k (z_k - t_k)²          dL/dz_k = y_k - t_k
 * </pre>
 *
 * The regression loss carries the ½ of the golden vectors' {@code loss_definition}. This is the one head and
 * loss of the project: the LSTM's BPTT, the baselines' cells and the service's prequential metrics use it.
 */
public final class Head {

  private Head() {}

  /** y[yOff, yOff+K) = act(z[zOff, zOff+K)). */
  public static void activate(Task task, float[] z, int zOff, float[] y, int yOff, int k) {
    switch (task) {
      case BINARY -> {
        for (int i = 0; i < k; i++) {
          // StrictMath: the same bits in the interpreter and in compiled code (see VectorLstmKernel.head).
          y[yOff + i] = (float) (1.0 / (1.0 + StrictMath.exp(-z[zOff + i])));
        }
      }
      case MULTICLASS -> {
        // Subtract the max so that exp never overflows.
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
          max = Math.max(max, z[zOff + i]);
        }
        float sum = 0f;
        for (int i = 0; i < k; i++) {
          float e = (float) StrictMath.exp(z[zOff + i] - max);
          y[yOff + i] = e;
          sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < k; i++) {
          y[yOff + i] *= inv;
        }
      }
      case REGRESSION -> System.arraycopy(z, zOff, y, yOff, k);
    }
  }

  /** The loss of one labelled step, computed from the logits in double (stable for saturated outputs). */
  public static double loss(Task task, float[] z, int zOff, float[] t, int tOff, int k) {
    double loss = 0;
    switch (task) {
      case BINARY -> {
        // BCE(σ(z), t) = softplus(z) - t·z = max(z, 0) - t·z + log(1 + e^-|z|)
        for (int i = 0; i < k; i++) {
          double zi = z[zOff + i];
          loss += Math.max(zi, 0) - t[tOff + i] * zi + Math.log1p(Math.exp(-Math.abs(zi)));
        }
      }
      case MULTICLASS -> {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
          max = Math.max(max, z[zOff + i]);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
          sum += Math.exp(z[zOff + i] - max);
        }
        double logSumExp = max + Math.log(sum);
        for (int i = 0; i < k; i++) {
          loss += t[tOff + i] * (logSumExp - z[zOff + i]);
        }
      }
      case REGRESSION -> {
        for (int i = 0; i < k; i++) {
          double d = (double) z[zOff + i] - t[tOff + i];
          loss += 0.5 * d * d;
        }
      }
    }
    return loss;
  }

  /** dz[dOff, dOff+K) = dLoss/dz for one labelled step, given the activated outputs y. */
  public static void lossGradient(Task task, float[] y, int yOff, float[] t, int tOff, float[] dz, int dOff, int k) {
    if (task == Task.MULTICLASS) {
      float tSum = 0f;
      for (int i = 0; i < k; i++) {
        tSum += t[tOff + i];
      }
      for (int i = 0; i < k; i++) {
        dz[dOff + i] = y[yOff + i] * tSum - t[tOff + i];
      }
    } else {
      for (int i = 0; i < k; i++) {
        dz[dOff + i] = y[yOff + i] - t[tOff + i];
      }
    }
  }
}
