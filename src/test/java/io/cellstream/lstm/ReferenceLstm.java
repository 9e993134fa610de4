package io.cellstream.lstm;

/**
 * A float64 LSTM written straight from the equations, independent of the kernels: the forward pass of a
 * window and its loss, for finite-difference gradient checks and as a second forward reference.
 */
final class ReferenceLstm {

  private ReferenceLstm() {}

  /** Everything the forward pass produced, per step. */
  record Forward(double[] h, double[] c, double[] gates, double[] y, double loss) {}

  static Forward forward(ModelSpec s, double[] p, double[] h0, double[] c0, float[] inputs, float[] targets,
      boolean[] mask) {
    int d = s.inputSize();
    int hs = s.hiddenSize();
    int k = s.outputSize();
    int cols = d + hs;
    int t = mask.length;
    int bOff = 4 * hs * cols;
    int wyOff = bOff + 4 * hs;
    int byOff = wyOff + k * hs;
    double[] h = h0.clone();
    double[] c = c0.clone();
    double[] hAll = new double[t * hs];
    double[] cAll = new double[t * hs];
    double[] gAll = new double[t * 4 * hs];
    double[] yAll = new double[t * k];
    double loss = 0;
    for (int step = 0; step < t; step++) {
      double[] z = new double[4 * hs];
      for (int r = 0; r < 4 * hs; r++) {
        double sum = p[bOff + r];
        for (int j = 0; j < d; j++) {
          sum += p[r * cols + j] * inputs[step * d + j];
        }
        for (int j = 0; j < hs; j++) {
          sum += p[r * cols + d + j] * h[j];
        }
        z[r] = sum;
      }
      for (int u = 0; u < hs; u++) {
        double i = sigmoid(z[u]);
        double f = sigmoid(z[hs + u]);
        double g = Math.tanh(z[2 * hs + u]);
        double o = sigmoid(z[3 * hs + u]);
        c[u] = f * c[u] + i * g;
        h[u] = o * Math.tanh(c[u]);
        gAll[step * 4 * hs + u] = i;
        gAll[step * 4 * hs + hs + u] = f;
        gAll[step * 4 * hs + 2 * hs + u] = g;
        gAll[step * 4 * hs + 3 * hs + u] = o;
      }
      System.arraycopy(h, 0, hAll, step * hs, hs);
      System.arraycopy(c, 0, cAll, step * hs, hs);
      double[] logits = new double[k];
      for (int o = 0; o < k; o++) {
        double sum = p[byOff + o];
        for (int j = 0; j < hs; j++) {
          sum += p[wyOff + o * hs + j] * h[j];
        }
        logits[o] = sum;
      }
      double[] y = activate(s.task(), logits);
      System.arraycopy(y, 0, yAll, step * k, k);
      if (mask[step]) {
        for (int o = 0; o < k; o++) {
          double tv = targets[step * k + o];
          loss += switch (s.task()) {
            case BINARY -> -(tv * Math.log(y[o]) + (1 - tv) * Math.log(1 - y[o]));
            case MULTICLASS -> -tv * Math.log(y[o]);
            case REGRESSION -> 0.5 * (y[o] - tv) * (y[o] - tv);
          };
        }
      }
    }
    return new Forward(hAll, cAll, gAll, yAll, loss);
  }

  static double[] activate(Task task, double[] z) {
    double[] y = new double[z.length];
    switch (task) {
      case BINARY -> {
        for (int i = 0; i < z.length; i++) {
          y[i] = sigmoid(z[i]);
        }
      }
      case MULTICLASS -> {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
          y[i] = Math.exp(z[i] - max);
          sum += y[i];
        }
        for (int i = 0; i < z.length; i++) {
          y[i] /= sum;
        }
      }
      case REGRESSION -> System.arraycopy(z, 0, y, 0, z.length);
    }
    return y;
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  static double[] toDoubles(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }
}
