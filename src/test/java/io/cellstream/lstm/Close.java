package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.fail;

/** Element-wise closeness |actual − expected| ≤ abs + rel·|expected|, reporting the worst element. */
public final class Close {

  private Close() {}

  public static void assertClose(String what, float[] actual, double[] expected, double abs, double rel) {
    if (actual.length != expected.length) {
      fail(what + ": length " + actual.length + ", expected " + expected.length);
    }
    int worst = -1;
    double worstExcess = 0;
    int bad = 0;
    for (int i = 0; i < actual.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      double allowed = abs + rel * Math.abs(expected[i]);
      if (!(err <= allowed)) {
        bad++;
        double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / allowed;
        if (worst < 0 || excess > worstExcess) {
          worst = i;
          worstExcess = excess;
        }
      }
    }
    if (bad > 0) {
      fail(what + ": " + bad + " of " + actual.length + " elements off; worst [" + worst + "] = "
          + actual[worst] + ", expected " + expected[worst] + " (tolerance " + abs + " + " + rel + "·|expected|)");
    }
  }

  public static void assertClose(String what, float[] actual, float[] expected, double abs, double rel) {
    double[] e = new double[expected.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    assertClose(what, actual, e, abs, rel);
  }

  public static void assertClose(String what, double actual, double expected, double abs, double rel) {
    double err = Math.abs(actual - expected);
    if (!(err <= abs + rel * Math.abs(expected))) {
      fail(what + ": " + actual + ", expected " + expected + " (tolerance " + abs + " + " + rel + "·|expected|)");
    }
  }
}
