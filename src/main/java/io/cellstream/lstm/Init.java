package io.cellstream.lstm;

/**
 * Initial parameters as PyTorch's nn.LSTM / nn.Linear draw them: every weight and bias uniform in
 * ±1/√H, then the forget-gate bias b[H, 2H) set to a constant (1.0 by default, so that a fresh cell
 * keeps its memory). Seeded and reproducible everywhere: the draws come from SplitMix64 (specified here,
 * not a JDK generator whose algorithm could change) in buffer order.
 */
public final class Init {

  /** Forget-gate bias of {@link #uniform(ModelSpec, long)}. */
  public static final float DEFAULT_FORGET_BIAS = 1.0f;

  private Init() {}

  /** Uniform ±1/√H, forget-gate bias 1.0. */
  public static Parameters uniform(ModelSpec spec, long seed) {
    return uniform(spec, seed, DEFAULT_FORGET_BIAS);
  }

  /**
   * Uniform ±1/√H for all weights and biases; then b[H, 2H) = {@code forgetBias}, unless it is NaN
   * (NaN keeps the uniform draws, as PyTorch does).
   */
  public static Parameters uniform(ModelSpec spec, long seed, float forgetBias) {
    if (Float.isInfinite(forgetBias)) {
      throw new IllegalArgumentException("forget bias must be finite (or NaN to keep the uniform draw)");
    }
    Parameters p = new Parameters(spec);
    float[] data = p.data();
    double bound = 1.0 / Math.sqrt(spec.hiddenSize());
    long state = seed;
    for (int i = 0; i < data.length; i++) {
      state += 0x9E3779B97F4A7C15L; // SplitMix64
      long z = state;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      double unit = (z >>> 11) * 0x1.0p-53; // [0, 1)
      data[i] = (float) ((2 * unit - 1) * bound);
    }
    if (!Float.isNaN(forgetBias)) {
      int h = spec.hiddenSize();
      int bOff = p.bOffset();
      for (int u = 0; u < h; u++) {
        data[bOff + h + u] = forgetBias;
      }
    }
    return p;
  }
}
