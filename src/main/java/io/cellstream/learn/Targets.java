package io.cellstream.learn;

import io.cellstream.lstm.ModelSpec;
import java.util.List;

/**
 * Turns a label as users write it (one number, or K numbers) into the head's target vector (K), and scores a
 * stored prediction against it for the prequential metrics.
 */
public final class Targets {

  private Targets() {}

  /** A label that cannot be a target for this model; the message says why. */
  public static final class InvalidTargetException extends Exception {
    public InvalidTargetException(String message) {
      super(message);
    }
  }

  /**
   * Writes the target into {@code out} (K).
   *
   * @param scalar binary: 0 or 1 (K = 1); multiclass: class index 0..K-1; regression: the value (K = 1)
   * @param vector K values, taking precedence over {@code scalar}; binary: each 0 or 1; multiclass: one-hot
   */
  public static void toVector(ModelSpec spec, Float scalar, List<Float> vector, float[] out) throws InvalidTargetException {
    int k = spec.outputSize();
    if (vector != null) {
      if (vector.size() != k) {
        throw new InvalidTargetException("target vector has " + vector.size() + " values, the model has K=" + k + " outputs");
      }
      for (int i = 0; i < k; i++) {
        Float v = vector.get(i);
        if (v == null || !Float.isFinite(v)) {
          throw new InvalidTargetException("target vector value " + i + " is " + v);
        }
        out[i] = v;
      }
      switch (spec.task()) {
        case BINARY -> {
          for (int i = 0; i < k; i++) {
            if (out[i] != 0f && out[i] != 1f) {
              throw new InvalidTargetException("binary target " + i + " must be 0 or 1, got " + out[i]);
            }
          }
        }
        case MULTICLASS -> {
          int ones = 0;
          for (int i = 0; i < k; i++) {
            if (out[i] == 1f) {
              ones++;
            } else if (out[i] != 0f) {
              throw new InvalidTargetException("multiclass target vector must be one-hot, value " + i + " is " + out[i]);
            }
          }
          if (ones != 1) {
            throw new InvalidTargetException("multiclass target vector must be one-hot, it has " + ones + " ones");
          }
        }
        case REGRESSION -> { }
      }
      return;
    }
    if (scalar == null) {
      throw new InvalidTargetException("label has neither target nor targetVector");
    }
    float t = scalar;
    if (!Float.isFinite(t)) {
      throw new InvalidTargetException("target is " + t);
    }
    switch (spec.task()) {
      case BINARY -> {
        if (k != 1) {
          throw new InvalidTargetException("the model has K=" + k + " binary outputs: send targetVector");
        }
        if (t != 0f && t != 1f) {
          throw new InvalidTargetException("binary target must be 0 or 1, got " + t);
        }
        out[0] = t;
      }
      case MULTICLASS -> {
        if (t != Math.rint(t) || t < 0 || t >= k) {
          throw new InvalidTargetException("multiclass target must be a class index 0.." + (k - 1) + ", got " + t);
        }
        java.util.Arrays.fill(out, 0, k, 0f);
        out[(int) t] = 1f;
      }
      case REGRESSION -> {
        if (k != 1) {
          throw new InvalidTargetException("the model has K=" + k + " regression outputs: send targetVector");
        }
        out[0] = t;
      }
    }
  }

  /**
   * The target vector (K) of a scalar label (binary 0/1, a class index, a value), refusing one the model
   * cannot learn from with an IllegalArgumentException: the in-process hosts' form of {@link #toVector}.
   */
  public static float[] of(ModelSpec spec, float scalar) {
    float[] out = new float[spec.outputSize()];
    try {
      toVector(spec, scalar, null, out);
    } catch (InvalidTargetException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    return out;
  }

  private static final double EPS = 1e-7;

  /** Loss of a prediction (after the head's activation) against a target, as the trainer defines it. */
  public static double loss(ModelSpec spec, float[] y, float[] t) {
    int k = spec.outputSize();
    double loss = 0;
    switch (spec.task()) {
      case BINARY -> {
        for (int i = 0; i < k; i++) {
          double p = Math.min(1 - EPS, Math.max(EPS, y[i]));
          loss -= t[i] * Math.log(p) + (1 - t[i]) * Math.log(1 - p);
        }
      }
      case MULTICLASS -> {
        for (int i = 0; i < k; i++) {
          if (t[i] > 0) {
            loss -= t[i] * Math.log(Math.max(EPS, y[i]));
          }
        }
      }
      case REGRESSION -> {
        for (int i = 0; i < k; i++) {
          double e = y[i] - t[i];
          loss += 0.5 * e * e; // ½Σ(y−t)², as the engine and the PyTorch reference define it
        }
      }
    }
    return loss;
  }

  /** Whether a classification was right (binary: every output on the right side of 0.5); null for regression. */
  public static Boolean correct(ModelSpec spec, float[] y, float[] t) {
    int k = spec.outputSize();
    return switch (spec.task()) {
      case BINARY -> {
        for (int i = 0; i < k; i++) {
          if ((y[i] >= 0.5f) != (t[i] >= 0.5f)) {
            yield false;
          }
        }
        yield true;
      }
      case MULTICLASS -> argmax(y, k) == argmax(t, k);
      case REGRESSION -> null;
    };
  }

  /** Mean absolute error over outputs (regression); NaN otherwise. */
  public static double absError(ModelSpec spec, float[] y, float[] t) {
    if (spec.task() != io.cellstream.lstm.Task.REGRESSION) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = 0; i < spec.outputSize(); i++) {
      s += Math.abs(y[i] - t[i]);
    }
    return s / spec.outputSize();
  }

  public static int argmax(float[] y, int k) {
    int best = 0;
    for (int i = 1; i < k; i++) {
      if (y[i] > y[best]) {
        best = i;
      }
    }
    return best;
  }
}
