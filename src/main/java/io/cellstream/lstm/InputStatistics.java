package io.cellstream.lstm;

import java.util.Arrays;

/**
 * How a model version reads its inputs: the feature list it was trained on and the normalisation statistics of
 * its standardised input columns. It travels inside every model version ({@link ModelSnapshotCodec}, format 2), so
 * that every instance standardises an event exactly as the version that predicts it was trained to expect.
 *
 * <p>The trainer learns the statistics from the raw inputs of the examples it takes in ({@link #plus}): per
 * standardised column the count n, the mean μ and the sum of squared deviations M2 (Welford's online update, in
 * float64). A raw input u of such a column is used as
 *
 * <pre>
 *   z = u                 when n = 0 (nothing learned yet)
 *   z = (u − μ) / σ       σ = √(M2 / n), the population standard deviation
 *   z = u − μ             when σ &lt; 1e-6 (a constant column so far)
 * </pre>
 *
 * Other columns pass unchanged. Immutable: {@link #plus} returns a new instance.
 *
 * <pre>
 * columns (S)  indices into the D inputs, ascending
 * count   (S)  n per column
 * mean    (S)  μ per column
 * m2      (S)  M2 per column
 * </pre>
 */
public final class InputStatistics {

  /** Below this standard deviation a column is centred only: dividing by it would blow a constant column up. */
  static final double MIN_STD = 1e-6;

  private final String features;  // the canonical feature list ("" for the cellstream format)
  private final int inputSize;    // D
  private final int[] columns;    // (S)
  private final double[] count;   // (S)
  private final double[] mean;    // (S)
  private final double[] m2;      // (S)
  private final float[] shift;    // (S) what is subtracted: μ, or 0 before anything was learned
  private final float[] scale;    // (S) what the difference is multiplied by: 1/σ, or 1

  private InputStatistics(String features, int inputSize, int[] columns, double[] count, double[] mean, double[] m2) {
    if (features == null) {
      throw new IllegalArgumentException("features must not be null (\"\" for none)");
    }
    if (columns.length != count.length || columns.length != mean.length || columns.length != m2.length) {
      throw new IllegalArgumentException("columns, count, mean and m2 must have one value per standardised column");
    }
    for (int i = 0; i < columns.length; i++) {
      if (columns[i] < 0 || columns[i] >= inputSize || (i > 0 && columns[i] <= columns[i - 1])) {
        throw new IllegalArgumentException("standardised columns must be ascending indices in 0.." + (inputSize - 1)
            + ", got " + Arrays.toString(columns));
      }
      if (!(count[i] >= 0) || !Double.isFinite(count[i]) || !Double.isFinite(mean[i]) || !(m2[i] >= 0)
          || !Double.isFinite(m2[i])) {
        throw new IllegalArgumentException("statistics of column " + columns[i] + " are invalid: n=" + count[i]
            + " mean=" + mean[i] + " m2=" + m2[i]);
      }
    }
    this.features = features;
    this.inputSize = inputSize;
    this.columns = columns;
    this.count = count;
    this.mean = mean;
    this.m2 = m2;
    this.shift = new float[columns.length];
    this.scale = new float[columns.length];
    for (int i = 0; i < columns.length; i++) {
      if (count[i] == 0) {
        shift[i] = 0f;
        scale[i] = 1f;
      } else {
        double std = Math.sqrt(m2[i] / count[i]);
        shift[i] = (float) mean[i];
        scale[i] = std < MIN_STD ? 1f : (float) (1.0 / std);
      }
    }
  }

  /** No feature list and nothing standardised: the inputs are used as they come (the cellstream format). */
  public static InputStatistics none(int inputSize) {
    return new InputStatistics("", inputSize, new int[0], new double[0], new double[0], new double[0]);
  }

  /** Nothing learned yet for {@code columns} of a model reading {@code features}. */
  public static InputStatistics empty(String features, int inputSize, int[] columns) {
    int s = columns.length;
    return new InputStatistics(features, inputSize, columns.clone(), new double[s], new double[s], new double[s]);
  }

  /** Statistics as stored (the codecs); arrays are copied. */
  public static InputStatistics of(String features, int inputSize, int[] columns, double[] count, double[] mean,
      double[] m2) {
    return new InputStatistics(features, inputSize, columns.clone(), count.clone(), mean.clone(), m2.clone());
  }

  /** The canonical feature list the model reads; "" when it reads ready-made features. */
  public String features() {
    return features;
  }

  public int inputSize() {
    return inputSize;
  }

  /** Whether nothing is standardised (then {@link #standardise} is a copy). */
  public boolean isIdentity() {
    return columns.length == 0;
  }

  /** S: standardised columns. */
  public int size() {
    return columns.length;
  }

  public int column(int i) {
    return columns[i];
  }

  public double count(int i) {
    return count[i];
  }

  public double mean(int i) {
    return mean[i];
  }

  public double m2(int i) {
    return m2[i];
  }

  /** The indices of the standardised columns (a copy). */
  public int[] columns() {
    return columns.clone();
  }

  /** Whether these statistics describe the same inputs as {@code other}: same feature list, D and columns. */
  public boolean sameLayout(InputStatistics other) {
    return features.equals(other.features) && inputSize == other.inputSize && Arrays.equals(columns, other.columns);
  }

  /**
   * Writes the model's inputs for {@code rows} rows of raw inputs: {@code x[xOff + r·D + j]} from
   * {@code u[uOff + r·D + j]}, standardised where column j is. {@code u} and {@code x} may be the same array.
   * No allocation.
   */
  public void standardise(float[] u, int uOff, float[] x, int xOff, int rows) {
    int d = inputSize;
    if (u != x || uOff != xOff) {
      System.arraycopy(u, uOff, x, xOff, rows * d);
    }
    for (int r = 0; r < rows; r++) {
      int base = xOff + r * d;
      for (int i = 0; i < columns.length; i++) {
        int j = base + columns[i];
        x[j] = (x[j] - shift[i]) * scale[i];
      }
    }
  }

  /**
   * These statistics after the {@code rows} rows of raw inputs (rows, D) in {@code inputs}: Welford's update per
   * value, in row order. Non-finite values are skipped (an example never holds one: the step refuses them).
   */
  public InputStatistics plus(float[] inputs, int rows) {
    if (columns.length == 0) {
      return this;
    }
    double[] n = count.clone();
    double[] mu = mean.clone();
    double[] s = m2.clone();
    for (int r = 0; r < rows; r++) {
      int base = r * inputSize;
      for (int i = 0; i < columns.length; i++) {
        double v = inputs[base + columns[i]];
        if (!Double.isFinite(v)) {
          continue;
        }
        n[i] += 1;
        double delta = v - mu[i];
        mu[i] += delta / n[i];
        s[i] += delta * (v - mu[i]);
      }
    }
    return new InputStatistics(features, inputSize, columns, n, mu, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputStatistics s && features.equals(s.features) && inputSize == s.inputSize
        && Arrays.equals(columns, s.columns) && Arrays.equals(count, s.count) && Arrays.equals(mean, s.mean)
        && Arrays.equals(m2, s.m2);
  }

  @Override
  public int hashCode() {
    return features.hashCode() * 31 + Arrays.hashCode(columns) * 17 + Arrays.hashCode(count);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("InputStatistics[").append(features.isEmpty() ? "no feature list" : features);
    for (int i = 0; i < columns.length; i++) {
      b.append(String.format(java.util.Locale.ROOT, "; x%d n=%.0f mean=%.4g std=%.4g", columns[i], count[i], mean[i],
          count[i] == 0 ? Double.NaN : Math.sqrt(m2[i] / count[i])));
    }
    return b.append(']').toString();
  }
}
