package io.cellstream.eval;

/**
 * The mean of a stream of values, over everything so far and over the last {@code window} values.
 * Accuracy (values 0/1), log-loss, absolute and squared errors are all means of per-pair values.
 *
 * <p>O(1) per value; memory O(window). The cumulative sum is compensated (Kahan); the window sum is
 * updated incrementally and recomputed exactly once per full turn of the ring, so rounding cannot drift.
 */
public final class WindowedMean {

  private final double[] ring;
  private int head;      // next slot to write
  private int size;      // values in the ring
  private long count;    // values ever added
  private double sum;    // cumulative, Kahan
  private double carry;  // Kahan compensation
  private double windowSum;

  public WindowedMean(int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    ring = new double[window];
  }

  public void add(double v) {
    double y = v - carry;
    double t = sum + y;
    carry = (t - sum) - y;
    sum = t;
    count++;
    if (size == ring.length) {
      windowSum -= ring[head];
    } else {
      size++;
    }
    ring[head] = v;
    windowSum += v;
    head++;
    if (head == ring.length) {
      head = 0;
      double s = 0; // exact recomputation once per turn
      for (int i = 0; i < size; i++) {
        s += ring[i];
      }
      windowSum = s;
    }
  }

  /** Mean of every value so far; NaN before the first. */
  public double cumulative() {
    return count == 0 ? Double.NaN : sum / count;
  }

  /** Mean of the last min(count, window) values; NaN before the first. */
  public double window() {
    return size == 0 ? Double.NaN : windowSum / size;
  }

  public long count() {
    return count;
  }

  public int windowCount() {
    return size;
  }

  public int windowSize() {
    return ring.length;
  }
}
