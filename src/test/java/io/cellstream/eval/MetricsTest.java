package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.lstm.Task;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

  private static final double EPS = 1e-12;

  private static TaskInfo binary() {
    return TaskInfo.custom("b", Task.BINARY, 1, 1, 1);
  }

  private static TaskEvent ev(String entity, long seq, int pos, int len, EventRole role, int mask) {
    return new TaskEvent(entity, entity + ":" + seq + ":" + pos, 0, new float[7], null, LabelMode.DELAYED, role,
        seq, pos, len, mask);
  }

  @Test
  void windowedMeanKeepsTheLastN() {
    WindowedMean m = new WindowedMean(3);
    assertThat(m.cumulative()).isNaN();
    assertThat(m.window()).isNaN();
    // values 1, 0, 1, 1, 0: cumulative = 3/5; window (last 3: 1, 1, 0) = 2/3
    for (double v : new double[] {1, 0, 1, 1, 0}) {
      m.add(v);
    }
    assertThat(m.cumulative()).isCloseTo(0.6, within(EPS));
    assertThat(m.window()).isCloseTo(2.0 / 3, within(EPS));
    assertThat(m.count()).isEqualTo(5);
    assertThat(m.windowCount()).isEqualTo(3);
  }

  @Test
  void windowedMeanDoesNotDriftOverManyTurns() {
    WindowedMean m = new WindowedMean(7);
    Random r = new Random(1);
    double[] last = new double[7];
    for (int i = 0; i < 100_003; i++) {
      double v = r.nextDouble() * 1e6;
      m.add(v);
      last[i % 7] = v;
    }
    double s = 0;
    for (double v : last) {
      s += v;
    }
    assertThat(m.window()).isCloseTo(s / 7, within(1e-6));
  }

  @Test
  void aucWithTiesHandWorked() {
    // scores: neg 0.1, pos 0.4, neg 0.4, pos 0.8
    // (pos, neg) pairs: (0.4, 0.1) = 1, (0.4, 0.4) = 1/2 (tie), (0.8, 0.1) = 1, (0.8, 0.4) = 1
    // AUC = 3.5 / 4 = 0.875
    float[] s = {0.1f, 0.4f, 0.4f, 0.8f};
    boolean[] y = {false, true, false, true};
    assertThat(RocAuc.exact(s, y, 4)).isCloseTo(0.875, within(EPS));
    RocAuc auc = new RocAuc(100);
    for (int i = 0; i < 4; i++) {
      auc.add(s[i], y[i]);
    }
    assertThat(auc.cumulative()).isCloseTo(0.875, within(EPS));
    assertThat(auc.window()).isCloseTo(0.875, within(EPS));
    // all tied: 1/2; single class: undefined
    assertThat(RocAuc.exact(new float[] {0.3f, 0.3f}, new boolean[] {true, false}, 2)).isEqualTo(0.5);
    assertThat(RocAuc.exact(new float[] {0.3f, 0.4f}, new boolean[] {true, true}, 2)).isNaN();
  }

  @Test
  void aucWindowedVersusCumulativeHandWorked() {
    // window 3. Pairs in order: (0.9, pos) (0.2, neg) (0.1, pos) (0.8, neg) (0.7, pos)
    // cumulative: positives {0.9, 0.1, 0.7}, negatives {0.2, 0.8}:
    //   0.9 > 0.2, 0.9 > 0.8 -> 2; 0.1 beats none -> 0; 0.7 > 0.2 -> 1; AUC = 3/6 = 0.5
    // window = last 3: (0.1 pos) (0.8 neg) (0.7 pos): 0.1 < 0.8, 0.7 < 0.8 -> 0/2 = 0
    RocAuc auc = new RocAuc(3);
    float[] s = {0.9f, 0.2f, 0.1f, 0.8f, 0.7f};
    boolean[] y = {true, false, true, false, true};
    for (int i = 0; i < s.length; i++) {
      auc.add(s[i], y[i]);
    }
    assertThat(auc.cumulative()).isCloseTo(0.5, within(EPS));
    assertThat(auc.window()).isCloseTo(0.0, within(EPS));
    assertThat(auc.windowCount()).isEqualTo(3);
  }

  @Test
  void incrementalAucEqualsBruteForceWithManyTies() {
    Random r = new Random(42);
    for (int round = 0; round < 20; round++) {
      int n = 1 + r.nextInt(400);
      int levels = 1 + r.nextInt(12); // few distinct scores: many ties
      float[] s = new float[n];
      boolean[] y = new boolean[n];
      RocAuc auc = new RocAuc(50);
      for (int i = 0; i < n; i++) {
        s[i] = r.nextInt(levels) / (float) levels - (r.nextBoolean() ? 0.5f : 0f);
        y[i] = r.nextDouble() < 0.3 + 0.4 * (s[i] + 0.5);
        auc.add(s[i], y[i]);
        if (i % 37 == 0 || i == n - 1) {
          assertSameDouble(auc.cumulative(), bruteForce(s, y, 0, i + 1));
          int from = Math.max(0, i + 1 - 50);
          assertSameDouble(auc.window(), bruteForce(s, y, from, i + 1));
        }
      }
      assertSameDouble(RocAuc.exact(s, y, n), bruteForce(s, y, 0, n));
    }
  }

  /** Equal, NaN included. */
  private static void assertSameDouble(double actual, double expected) {
    assertThat(Double.valueOf(actual)).isEqualTo(Double.valueOf(expected));
  }

  @Test
  void incrementalAucOnManyDistinctScores() {
    Random r = new Random(3);
    RocAuc auc = new RocAuc(2000);
    for (int i = 0; i < 200_000; i++) {
      boolean pos = r.nextBoolean();
      auc.add((float) (r.nextGaussian() + (pos ? 1 : 0)), pos);
    }
    // AUC of N(1,1) vs N(0,1) = Φ(1/√2) ≈ 0.7602
    assertThat(auc.cumulative()).isCloseTo(0.7602, within(0.005));
    assertThat(auc.window()).isCloseTo(0.7602, within(0.05));
  }

  private static double bruteForce(float[] s, boolean[] y, int from, int to) {
    double u = 0;
    long p = 0;
    long n = 0;
    for (int i = from; i < to; i++) {
      if (y[i]) {
        p++;
      } else {
        n++;
      }
    }
    if (p == 0 || n == 0) {
      return Double.NaN;
    }
    for (int i = from; i < to; i++) {
      for (int j = from; j < to; j++) {
        if (y[i] && !y[j]) {
          u += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        }
      }
    }
    return (2 * u) / (2.0 * p * n); // same operation order as the implementation: exact equality
  }

  @Test
  void binaryMetricsHandWorked() {
    // p = 0.8 (t=1): correct, loss -ln 0.8 = 0.22314355131420976
    // p = 0.3 (t=1): wrong,   loss -ln 0.3 = 1.2039728043259361
    // p = 0.5 (t=0): predicted 1 (p >= 0.5), wrong, loss -ln 0.5 = 0.6931471805599453
    // p = 0.1 (t=0): correct, loss -ln 0.9 = 0.10536051565782628
    // accuracy 2/4; log-loss mean = 2.2255240518579277 / 4; AUC: pos {0.8, 0.3} neg {0.5, 0.1}:
    //   0.8 > both (2), 0.3 > 0.1 only (1) -> 3/4
    MetricSet m = new MetricSet(binary(), 2);
    float[] p = {0.8f, 0.3f, 0.5f, 0.1f};
    float[] t = {1, 1, 0, 0};
    for (int i = 0; i < 4; i++) {
      m.score(null, new float[] {p[i]}, t[i]);
    }
    assertThat(m.value("accuracy").cumulative()).isEqualTo(0.5);
    assertThat(m.value("logloss").cumulative())
        .isCloseTo((0.22314355131420976 + 1.2039728043259361 + 0.6931471805599453 + 0.10536051565782628) / 4, within(1e-7));
    assertThat(m.value("auc").cumulative()).isCloseTo(0.75, within(EPS));
    // window of 2: the last two pairs (0.5, t=0) (0.1, t=0): accuracy 1/2, AUC undefined (one class)
    assertThat(m.value("accuracy").window()).isEqualTo(0.5);
    assertThat(m.value("logloss").window()).isCloseTo((0.6931471805599453 + 0.10536051565782628) / 2, within(1e-7));
    assertThat(m.value("auc").window()).isNaN();
    assertThat(m.values()).extracting(MetricValue::key).containsExactly("auc", "accuracy", "logloss");
  }

  @Test
  void logLossIsClipped() {
    // p = 0 with t = 1 and p = 1 with t = 0 both cost -ln(1e-7) = 16.11809565095832, not infinity
    MetricSet m = new MetricSet(binary(), 10);
    m.score(null, new float[] {0f}, 1);
    m.score(null, new float[] {1f}, 0);
    assertThat(m.value("logloss").cumulative()).isCloseTo(16.11809565095832, within(1e-6));
    MetricSet mc = new MetricSet(TaskInfo.custom("m", Task.MULTICLASS, 1, 3, 1), 10);
    mc.score(null, new float[] {1f, 0f, 0f}, 2);
    assertThat(mc.value("logloss").cumulative()).isCloseTo(16.11809565095832, within(1e-6));
  }

  @Test
  void multiclassMetricsHandWorked() {
    // [0.7, 0.2, 0.1] t=0: correct, -ln 0.7 = 0.35667494393873245
    // [0.2, 0.5, 0.3] t=2: wrong (argmax 1), -ln 0.3 = 1.2039728043259361
    // [0.4, 0.4, 0.2] t=1: tie between 0 and 1 -> lowest index 0 -> wrong, -ln 0.4 = 0.916290731874155
    MetricSet m = new MetricSet(TaskInfo.custom("m", Task.MULTICLASS, 1, 3, 1), 2);
    m.score(null, new float[] {0.7f, 0.2f, 0.1f}, 0);
    m.score(null, new float[] {0.2f, 0.5f, 0.3f}, 2);
    m.score(null, new float[] {0.4f, 0.4f, 0.2f}, 1);
    assertThat(m.value("accuracy").cumulative()).isCloseTo(1.0 / 3, within(EPS));
    assertThat(m.value("accuracy").window()).isEqualTo(0.0);
    assertThat(m.value("logloss").cumulative())
        .isCloseTo((0.35667494393873245 + 1.2039728043259361 + 0.916290731874155) / 3, within(1e-7));
    assertThat(m.value("logloss").window()).isCloseTo((1.2039728043259361 + 0.916290731874155) / 2, within(1e-7));
    assertThatThrownBy(() -> m.score(null, new float[] {1, 0, 0}, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void regressionMetricsHandWorked() {
    // errors 0.5, -1, 2: MAE = 3.5/3; RMSE = sqrt((0.25 + 1 + 4)/3) = sqrt(1.75)
    // window 2 (errors -1, 2): MAE 1.5, RMSE sqrt(2.5)
    MetricSet m = new MetricSet(TaskInfo.custom("r", Task.REGRESSION, 1, 1, 1), 2);
    m.score(null, new float[] {1.5f}, 1f);
    m.score(null, new float[] {0f}, 1f);
    m.score(null, new float[] {3f}, 1f);
    assertThat(m.value("mae").cumulative()).isCloseTo(3.5 / 3, within(EPS));
    assertThat(m.value("rmse").cumulative()).isCloseTo(Math.sqrt(1.75), within(EPS));
    assertThat(m.value("mae").window()).isCloseTo(1.5, within(EPS));
    assertThat(m.value("rmse").window()).isCloseTo(Math.sqrt(2.5), within(EPS));
  }

  @Test
  void addingCountsErrorsStrictlyBelowTheTolerance() {
    TaskInfo info = AddingTask.info(AddingTask.Config.of(20));
    MetricSet m = new MetricSet(info, 100);
    m.score(null, new float[] {0.53f}, 0.5f);  // |e| = 0.03 -> within
    m.score(null, new float[] {0.45f}, 0.5f);  // 0.05 -> not
    m.score(null, new float[] {0.25f}, 0.25f); // 0 -> within
    m.score(null, new float[] {0.8f}, 0.75f);  // 0.05 -> not
    assertThat(m.value("within_tolerance").cumulative()).isEqualTo(0.5);
    assertThat(m.values().getFirst().key()).isEqualTo("within_tolerance");
    assertThat(info.chance("within_tolerance")).isCloseTo(0.1536, within(1e-9));
  }

  @Test
  void reberCriteriaHandWorked() {
    // String BTBTXSETE (n = 9): labelled positions 0..7; legal next sets:
    //   B:{T,P} T:{B} B:{T,P} T:{S,X} X:{X,S} S:{E} E:{T} (RECALL) T:{E}
    int[] s = ReberGrammar.parse("BTBTXSETE");
    int[] masks = ReberGrammar.legalNextMasks(s);
    TaskInfo info = ReberTask.info(ReberTask.Config.DEFAULTS);
    MetricSet m = new MetricSet(info, 100);
    // string 0: perfect — one-hot on the actual next symbol except two steps where the
    // most probable symbol is the other legal one (legal but "wrong")
    for (int i = 0; i < 8; i++) {
      float[] out = new float[7];
      int predicted = s[i + 1];
      if (i == 0) {
        predicted = ReberGrammar.P; // legal alternative
      }
      out[predicted] = 0.6f;
      for (int k = 0; k < 7; k++) {
        if (k != predicted && (masks[i] & (1 << k)) != 0) {
          out[k] = 0.3f; // other legal symbol second: strict criterion holds
        } else if (k != predicted) {
          out[k] = 0.1f / 7;
        }
      }
      EventRole role = i == 6 ? EventRole.RECALL : i == 0 ? EventRole.START : EventRole.STEP;
      TaskEvent e = new TaskEvent("e1", "e1:" + i, 0, new float[7], null, LabelMode.DELAYED, role, 0, i, 9, masks[i]);
      m.score(e, out, s[i + 1]);
    }
    // string 1, scored in reverse order (delayed labels): all predictions legal by argmax, but at step 3
    // an illegal symbol (V) outranks the second legal one (strict fails), and the recall predicts P (wrong)
    for (int i = 7; i >= 0; i--) {
      float[] out = new float[7];
      int predicted = i == 6 ? ReberGrammar.P : Integer.numberOfTrailingZeros(masks[i]);
      if (i == 6) {
        out[ReberGrammar.P] = 0.9f; // illegal here (only T is legal): fails legal and penultimate
      } else {
        out[predicted] = 0.5f;
        for (int k = 0; k < 7; k++) {
          if (k != predicted && (masks[i] & (1 << k)) != 0) {
            out[k] = 0.3f;
          }
        }
      }
      if (i == 3) {
        out[ReberGrammar.V] = 0.4f; // outranks the legal 0.3 -> strict fails, argmax still legal
      }
      EventRole role = i == 6 ? EventRole.RECALL : i == 0 ? EventRole.START : EventRole.STEP;
      TaskEvent e = new TaskEvent("e1", "e1:x" + i, 0, new float[7], null, LabelMode.DELAYED, role, 1, i, 9, masks[i]);
      m.score(e, out, s[i + 1]);
    }
    // legal: 8 + 7 of 16; strings: [legal, not]; strict: [true, false]; penultimate: [right, wrong]
    assertThat(m.value("legal_accuracy").cumulative()).isCloseTo(15.0 / 16, within(EPS));
    assertThat(m.value("string_accuracy").cumulative()).isEqualTo(0.5);
    assertThat(m.value("string_accuracy").count()).isEqualTo(2);
    assertThat(m.value("string_accuracy_strict").cumulative()).isEqualTo(0.5);
    assertThat(m.value("penultimate_accuracy").cumulative()).isEqualTo(0.5);
    assertThat(m.value("penultimate_accuracy").count()).isEqualTo(2);
    // exact next-symbol accuracy: string 0 all right but step 0 (P instead of T): 7/8; string 1: the
    // first legal symbol by index is the actual one at steps 1(B),5(E),7(E), and 2 (T of T,P: actual T),
    // 3 (S of S,X: actual X -> wrong), 4 (X of X,S: actual S -> wrong), 0 (T of T,P: actual T), 6 wrong
    assertThat(m.value("accuracy").count()).isEqualTo(16);
    assertThat(m.values().getFirst().key()).isEqualTo("string_accuracy");
  }

  @Test
  void nonFiniteOutputsAreCountedAndScoredAsUninformed() {
    MetricSet m = new MetricSet(binary(), 10);
    m.score(null, new float[] {Float.NaN}, 1);
    assertThat(m.invalidOutputs()).isEqualTo(1);
    assertThat(m.value("logloss").cumulative()).isCloseTo(Math.log(2), within(1e-9));
    assertThat(m.value("accuracy").cumulative()).isEqualTo(1.0); // p = 0.5 predicts 1
  }

  @Test
  void curvesSnapshotEveryMScoredPairs() {
    TaskInfo info = binary();
    long[] events = {0};
    ModelTrack t = new ModelTrack("m", info, EvalOptions.DEFAULTS.withWindow(2).withCurveEvery(2), () -> events[0], false);
    for (int i = 0; i < 5; i++) {
      events[0] += 10;
      t.prediction("e", "e:" + i, new float[] {i % 2 == 0 ? 0.9f : 0.2f});
      t.label("e", "e:" + i, 1);
    }
    Curve c = t.result(java.util.Map.of(), events[0], 1).curve("accuracy");
    // points after 2 and 4 scored pairs, then the final one (5)
    assertThat(c.scored()).containsExactly(2, 4, 5);
    assertThat(c.events()).containsExactly(20, 40, 50);
    assertThat(c.cumulative()).containsExactly(0.5, 0.5, 0.6);
    assertThat(c.window()).containsExactly(0.5, 0.5, 0.5);
  }

  @Test
  void longCurvesAreDecimatedToRegularSpacing() {
    ModelTrack t = new ModelTrack("m", binary(), EvalOptions.DEFAULTS.withCurveEvery(1).withMaxCurvePoints(8),
        () -> 0, false);
    for (int i = 1; i <= 100; i++) {
      t.prediction("e", "e:" + i, new float[] {0.9f});
      t.label("e", "e:" + i, 1);
    }
    Curve c = t.result(java.util.Map.of(), 0, 1).curve("accuracy");
    // every 1 up to 8 points -> halve to 2,4,6,8 every 2 -> … -> every 16: 16,32,48,64,80,96, then the end
    assertThat(c.scored()).containsExactly(16, 32, 48, 64, 80, 96, 100);
  }

  @Test
  void trackScoresPairsInEitherOrderAndBoundsPending() {
    EvalOptions o = EvalOptions.DEFAULTS.withWindow(10).withCurveEvery(1).withMaxPending(2);
    ModelTrack t = new ModelTrack("m", binary(), o, () -> 0, false);
    assertThat(t.label("e", "1", 1)).isFalse();          // label first
    assertThat(t.prediction("e", "1", new float[] {0.9f})).isTrue();
    assertThat(t.prediction("e", "2", new float[] {0.9f})).isFalse();
    assertThat(t.label("e", "2", 0)).isTrue();
    t.prediction("e", "3", new float[] {0.1f});
    t.prediction("e", "4", new float[] {0.1f});
    t.prediction("e", "5", new float[] {0.1f});          // evicts "3"
    assertThat(t.droppedPending()).isEqualTo(1);
    assertThat(t.label("e", "3", 0)).isFalse();
    assertThat(t.scored()).isEqualTo(2);
  }
}
