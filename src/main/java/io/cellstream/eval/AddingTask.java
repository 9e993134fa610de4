package io.cellstream.eval;

import io.cellstream.lstm.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The adding problem, Hochreiter &amp; Schmidhuber (1997), "Long Short-Term Memory", experiment 4.
 *
 * <p>The paper's definition, which this class follows: each sequence has a random length n, an integer
 * drawn uniformly from [T, T + T/10]. Every element is a pair (value, marker) with value uniform in
 * [-1, 1]. Exactly two pairs are marked: first one of the first ten pairs (its value is X1), then one of
 * the first T/2 − 1 <em>still unmarked</em> pairs (X2) — so the second mark is uniform over positions
 * [0, T/2) other than the first mark's (0-based; T/2 uses the minimal length T, not n). The target, given
 * only at the sequence's last element, is {@code 0.5 + (X1 + X2) / 4} (the sum scaled to [0, 1]); a
 * sequence is processed correctly when the absolute error there is below 0.04. For T &lt; 20 the first
 * mark is drawn from the first min(10, T/2) pairs.
 *
 * <p>In a continuous stream the model must tell where one sequence ends and the next begins; the paper
 * marks the first and the last pair with marker −1. Two encodings:
 * <ul>
 *   <li>{@link Encoding#FLAGS} (default), D = 4: {@code [value, marker, start, end]} with marker 1 on the
 *       two marked pairs and 0 elsewhere, start = 1 on the first pair of each sequence, end = 1 on the last
 *       (the labelled one). The marked values always count, even at position 0.</li>
 *   <li>{@link Encoding#PAPER}, D = 2: {@code [value, marker]} exactly as in the paper: marker 1 on marked
 *       pairs, −1 on the first and the last pair, else 0. A mark that falls on position 0 keeps marker −1
 *       and its value counts as 0 in the target (the paper's "X1 is set to zero" rule, applied to either
 *       mark since the second can land there too).</li>
 * </ul>
 */
public final class AddingTask {

  /** How the sequence boundaries are shown to the model. */
  public enum Encoding {
    FLAGS,
    PAPER
  }

  /**
   * @param minLength T ≥ 4 (the paper uses 100 and more)
   * @param maxExtra  lengths are uniform in [T, T + maxExtra]; the paper's T/10 by {@link #of(int)}
   * @param encoding  feature layout
   * @param tolerance a sequence is correct when |error| &lt; tolerance (0.04)
   */
  public record Config(int minLength, int maxExtra, Encoding encoding, double tolerance) {

    public static final Config DEFAULTS = of(100);

    public Config {
      if (minLength < 4) {
        throw new IllegalArgumentException("adding needs T >= 4, got " + minLength);
      }
      if (maxExtra < 0) {
        throw new IllegalArgumentException("extra length must be >= 0, got " + maxExtra);
      }
      if (encoding == null || !(tolerance > 0)) {
        throw new IllegalArgumentException("encoding required and tolerance > 0");
      }
    }

    /** The paper's variant for minimal length T: lengths in [T, T + T/10], tolerance 0.04, flag features. */
    public static Config of(int t) {
      return new Config(t, t / 10, Encoding.FLAGS, 0.04);
    }

    public Config withEncoding(Encoding e) {
      return new Config(minLength, maxExtra, e, tolerance);
    }

    public int inputSize() {
      return encoding == Encoding.FLAGS ? 4 : 2;
    }

    /** The first mark is among positions [0, firstRange()). */
    public int firstRange() {
      return Math.min(10, minLength / 2);
    }

    /** The second mark is among positions [0, secondRange()) other than the first's. */
    public int secondRange() {
      return minLength / 2;
    }

    public int maxLength() {
      return minLength + maxExtra;
    }
  }

  public static final int VALUE = 0;
  public static final int MARKER = 1;
  /** FLAGS encoding only. */
  public static final int START = 2;
  /** FLAGS encoding only. */
  public static final int END = 3;

  private AddingTask() {}

  public static TaskInfo info(Config c) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("T", c.minLength());
    p.put("maxLength", c.maxLength());
    p.put("encoding", c.encoding().name().toLowerCase(java.util.Locale.ROOT));
    p.put("tolerance", c.tolerance());
    // What the best memoryless predictor (the constant 0.5, mode and median of the target) reaches:
    // X1 + X2 is triangular on [-2, 2]; P(|X1 + X2| < 4·tol) = 1 − (2 − 4·tol)²/4 (0.1536 at tol 0.04),
    // E|X1 + X2|/4 = 1/6, sd(X1 + X2)/4 = sqrt(2/3)/4.
    Map<String, Double> chance = new LinkedHashMap<>();
    double a = Math.max(0, 2 - 4 * c.tolerance());
    chance.put(MetricInfo.WITHIN_TOLERANCE.key(), 1 - a * a / 4);
    chance.put(MetricInfo.MAE.key(), 1.0 / 6);
    chance.put(MetricInfo.RMSE.key(), Math.sqrt(2.0 / 3) / 4);
    String layout = c.encoding() == Encoding.FLAGS
        ? "0 value U(-1,1); 1 marker (1 on the two marked pairs); 2 start flag; 3 end flag (labelled)"
        : "0 value U(-1,1); 1 marker (1 marked, -1 first and last pair, else 0)";
    return new TaskInfo(Benchmark.ADDING, Benchmark.ADDING.id(),
        "adding problem, T=" + c.minLength() + " (lengths " + c.minLength() + ".." + c.maxLength() + ")",
        Task.REGRESSION, c.inputSize(), 1, c.maxLength(), MetricInfo.WITHIN_TOLERANCE.key(), chance, p, layout);
  }

  public static TaskGenerator generator(StreamConfig stream, Config c) {
    return new TaskGenerator(info(c), stream, (index, rng) -> new EntityProcess() {
      long sequence = -1;
      int pos;
      int length;
      int mark1;
      int mark2;
      double sum;

      @Override
      public Step next() {
        if (sequence < 0 || pos == length) {
          sequence++;
          pos = 0;
          length = c.minLength() + rng.nextInt(c.maxExtra() + 1);
          mark1 = rng.nextInt(c.firstRange());
          int r = rng.nextInt(c.secondRange() - 1); // among the range's still unmarked positions
          mark2 = r >= mark1 ? r + 1 : r;
          sum = 0;
        }
        int p = pos++;
        float v = (float) (2 * rng.nextDouble() - 1);
        boolean marked = p == mark1 || p == mark2;
        boolean first = p == 0;
        boolean last = p == length - 1;
        float[] x = new float[c.inputSize()];
        x[VALUE] = v;
        if (c.encoding() == Encoding.FLAGS) {
          x[MARKER] = marked ? 1f : 0f;
          x[START] = first ? 1f : 0f;
          x[END] = last ? 1f : 0f;
          if (marked) {
            sum += v;
          }
        } else {
          x[MARKER] = first || last ? -1f : marked ? 1f : 0f;
          if (marked && !first) {
            sum += v;
          }
        }
        float target = last ? (float) (0.5 + sum / 4.0) : Float.NaN;
        EventRole role = first ? EventRole.START : last ? EventRole.END : EventRole.STEP;
        return new Step(x, target, role, sequence, p, length, 0);
      }
    });
  }
}
