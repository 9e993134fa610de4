package io.cellstream.lstm;

import java.util.SplittableRandom;

/** Random models, states, inputs and windows for the property tests. */
public final class RandomModels {

  private RandomModels() {}

  public static ModelSpec spec(int d, int h, int k, Task task) {
    return new ModelSpec(d, h, task == Task.MULTICLASS ? Math.max(2, k) : k, task);
  }

  /** PyTorch-like init, then every parameter scaled by {@code scale} (large scales saturate the gates). */
  public static Parameters params(ModelSpec s, long seed, float scale) {
    Parameters p = Init.uniform(s, seed);
    float[] data = p.data();
    for (int i = 0; i < data.length; i++) {
      data[i] *= scale;
    }
    return p;
  }

  public static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (sd * r.nextGaussian());
    }
    return a;
  }

  /** Targets for the task: 0/1, one-hot, or values. */
  public static float[] targets(SplittableRandom r, ModelSpec s, int steps) {
    int k = s.outputSize();
    float[] t = new float[steps * k];
    for (int step = 0; step < steps; step++) {
      switch (s.task()) {
        case BINARY -> {
          for (int o = 0; o < k; o++) {
            t[step * k + o] = r.nextBoolean() ? 1f : 0f;
          }
        }
        case MULTICLASS -> t[step * k + r.nextInt(k)] = 1f;
        case REGRESSION -> {
          for (int o = 0; o < k; o++) {
            t[step * k + o] = (float) r.nextGaussian();
          }
        }
      }
    }
    return t;
  }

  public static Window window(SplittableRandom r, ModelSpec s, int steps, double labelProbability) {
    boolean[] mask = new boolean[steps];
    for (int i = 0; i < steps; i++) {
      mask[i] = r.nextDouble() < labelProbability;
    }
    return new Window(gaussian(r, s.hiddenSize(), 0.3), gaussian(r, s.hiddenSize(), 0.8),
        gaussian(r, steps * s.inputSize(), 1.0), targets(r, s, steps), mask);
  }
}
