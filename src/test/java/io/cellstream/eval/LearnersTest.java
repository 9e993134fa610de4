package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LearnersTest {

  // -------------------------------------------------------------------- RNN forward/backward vs FD

  /** Float64 reference of the RNN + head + loss, written apart from {@link RnnModel}. */
  private static double referenceLoss(ModelSpec s, double[] p, double[] h0, double[] xs, int n, float[] targets,
      boolean[] mask, double[] hsOut) {
    int d = s.inputSize();
    int h = s.hiddenSize();
    int k = s.outputSize();
    int cols = d + h;
    int bOff = h * cols;
    int wyOff = bOff + h;
    int byOff = wyOff + k * h;
    double[] prev = h0.clone();
    double loss = 0;
    for (int t = 0; t < n; t++) {
      double[] cur = new double[h];
      for (int r = 0; r < h; r++) {
        double a = p[bOff + r];
        for (int j = 0; j < d; j++) {
          a += p[r * cols + j] * xs[t * d + j];
        }
        for (int j = 0; j < h; j++) {
          a += p[r * cols + d + j] * prev[j];
        }
        cur[r] = Math.tanh(a);
      }
      if (hsOut != null) {
        System.arraycopy(cur, 0, hsOut, t * h, h);
      }
      if (mask[t]) {
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
          z[i] = p[byOff + i];
          for (int j = 0; j < h; j++) {
            z[i] += p[wyOff + i * h + j] * cur[j];
          }
        }
        double tg = targets[t];
        switch (s.task()) {
          case BINARY -> loss += tg * Math.log1p(Math.exp(-z[0])) + (1 - tg) * Math.log1p(Math.exp(z[0]));
          case MULTICLASS -> {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
              max = Math.max(max, v);
            }
            double se = 0;
            for (double v : z) {
              se += Math.exp(v - max);
            }
            loss += -(z[(int) tg] - max - Math.log(se));
          }
          case REGRESSION -> loss += (z[0] - tg) * (z[0] - tg);
        }
      }
      prev = cur;
    }
    return loss;
  }

  @Test
  void rnnGradientsMatchFiniteDifferences() {
    Random rnd = new Random(7);
    for (ModelSpec s : List.of(new ModelSpec(3, 4, 3, Task.MULTICLASS), new ModelSpec(2, 5, 1, Task.BINARY),
        new ModelSpec(4, 3, 1, Task.REGRESSION), new ModelSpec(1, 1, 2, Task.MULTICLASS))) {
      RnnModel m = new RnnModel(s);
      int size = m.size();
      assertThat(size).isEqualTo(RnnModel.parameterCount(s));
      int n = 6;
      float[] p = new float[size];
      for (int i = 0; i < size; i++) {
        p[i] = (float) (rnd.nextGaussian() * 0.6);
      }
      float[] h0 = new float[s.hiddenSize()];
      for (int i = 0; i < h0.length; i++) {
        h0[i] = (float) (rnd.nextDouble() * 1.6 - 0.8);
      }
      float[] xs = new float[n * s.inputSize()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rnd.nextGaussian();
      }
      boolean[] mask = {false, true, false, false, true, true};
      float[] targets = new float[n];
      for (int t = 0; t < n; t++) {
        targets[t] = switch (s.task()) {
          case BINARY -> rnd.nextBoolean() ? 1 : 0;
          case MULTICLASS -> rnd.nextInt(s.outputSize());
          case REGRESSION -> (float) rnd.nextGaussian();
        };
      }
      // analytic, float32
      float[] hs = new float[n * s.hiddenSize()];
      m.forward(p, h0, xs, n, hs);
      float[] grads = new float[size];
      float[] dh0 = new float[s.hiddenSize()];
      double loss = m.backward(p, h0, xs, n, hs, targets, mask, grads, dh0);
      // reference, float64
      double[] pd = toDouble(p);
      double[] h0d = toDouble(h0);
      double[] xd = toDouble(xs);
      double[] hsRef = new double[hs.length];
      double refLoss = referenceLoss(s, pd, h0d, xd, n, targets, mask, hsRef);
      for (int i = 0; i < hs.length; i++) {
        assertThat((double) hs[i]).isCloseTo(hsRef[i], within(1e-5));
      }
      assertThat(loss).isCloseTo(refLoss, within(1e-4 + 1e-4 * Math.abs(refLoss)));
      double eps = 1e-6;
      for (int i = 0; i < size; i++) {
        double keep = pd[i];
        pd[i] = keep + eps;
        double up = referenceLoss(s, pd, h0d, xd, n, targets, mask, null);
        pd[i] = keep - eps;
        double down = referenceLoss(s, pd, h0d, xd, n, targets, mask, null);
        pd[i] = keep;
        double fd = (up - down) / (2 * eps);
        assertThat((double) grads[i]).as("%s d/dp[%d]", s, i).isCloseTo(fd, within(1e-4 + 1e-3 * Math.abs(fd)));
      }
      for (int i = 0; i < h0d.length; i++) {
        double keep = h0d[i];
        h0d[i] = keep + eps;
        double up = referenceLoss(s, pd, h0d, xd, n, targets, mask, null);
        h0d[i] = keep - eps;
        double down = referenceLoss(s, pd, h0d, xd, n, targets, mask, null);
        h0d[i] = keep;
        double fd = (up - down) / (2 * eps);
        assertThat((double) dh0[i]).as("%s d/dh0[%d]", s, i).isCloseTo(fd, within(1e-4 + 1e-3 * Math.abs(fd)));
      }
    }
  }

  private static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  @Test
  void rnnExampleWindowEndsAtTheLabelledStep() {
    // window 3, ring 10; entity predicts steps 0..5, then step 3 is labelled (a delayed label).
    // The example must be: h0 = state after step 0, inputs of steps 1, 2, 3, target at step 3. With batch 1
    // the first Adam step moves every parameter by about lr·sign(g) against the gradient g of that window.
    ModelSpec s = new ModelSpec(2, 3, 2, Task.MULTICLASS);
    LearnerConfig cfg = new LearnerConfig(3, 3, 10, 1, io.cellstream.lstm.AdamConfig.DEFAULTS.withLearningRate(1e-3f),
        0f, 5);
    RnnLearner l = new RnnLearner(s, cfg);
    float[] p0 = l.parameters().clone();
    float[][] x = new float[6][];
    Random r = new Random(1);
    for (int t = 0; t < 6; t++) {
      x[t] = new float[] {(float) r.nextGaussian(), (float) r.nextGaussian()};
      l.predict("a", "a:" + t, x[t]);
    }
    assertThat(l.learn("a", "a:3", 1)).isEqualTo(LearnOutcome.ACCEPTED);
    float[] delta = new float[p0.length];
    for (int i = 0; i < p0.length; i++) {
      delta[i] = l.parameters()[i] - p0[i];
    }
    RnnModel m = new RnnModel(s);
    float[] h1 = new float[3];
    m.step(p0, x[0], 0, new float[3], 0, h1, 0);
    float[] xs = new float[6];
    System.arraycopy(x[1], 0, xs, 0, 2);
    System.arraycopy(x[2], 0, xs, 2, 2);
    System.arraycopy(x[3], 0, xs, 4, 2);
    float[] hs = new float[9];
    m.forward(p0, h1, xs, 3, hs);
    float[] g = new float[p0.length];
    m.backward(p0, h1, xs, 3, hs, new float[] {0, 0, 1}, new boolean[] {false, false, true}, g, null);
    for (int i = 0; i < g.length; i++) {
      if (Math.abs(g[i]) > 1e-5) {
        assertThat(delta[i]).as("param %d", i).isCloseTo(-1e-3f * Math.signum(g[i]), within(2e-5f));
      }
    }
    assertThat(l.learn("a", "a:9", 1)).isEqualTo(LearnOutcome.EXPIRED);
    assertThat(l.learn("b", "b:0", 1)).isEqualTo(LearnOutcome.UNKNOWN);
  }

  @Test
  void weightDecayIsAddedToTheAveragedGradient() {
    // batch 2, no clipping: the first Adam step moves each parameter by about -lr·sign(ḡ + λ·p), with ḡ
    // the mean of the two examples' window gradients
    ModelSpec s = new ModelSpec(2, 3, 1, Task.REGRESSION);
    float wd = 0.05f;
    LearnerConfig cfg = new LearnerConfig(3, 4, 8, 2, io.cellstream.lstm.AdamConfig.DEFAULTS.withLearningRate(1e-3f),
        0f, 3).withWeightDecay(wd);
    RnnLearner l = new RnnLearner(s, cfg);
    float[] p0 = l.parameters().clone();
    float[] x0 = {0.5f, -1f};
    float[] x1 = {0.2f, 0.3f};
    l.predict("a", "a:0", x0);
    l.predict("b", "b:0", x1);
    l.learn("a", "a:0", 0.7f);
    l.learn("b", "b:0", -0.4f);
    RnnModel m = new RnnModel(s);
    float[] g = new float[p0.length];
    m.windowGradient(p0, new float[3], x0, 1, 0.7f, g);
    m.windowGradient(p0, new float[3], x1, 1, -0.4f, g);
    int checked = 0;
    for (int i = 0; i < g.length; i++) {
      double total = g[i] / 2.0 + wd * p0[i];
      if (Math.abs(total) > 1e-4) {
        assertThat(l.parameters()[i] - p0[i]).as("param %d", i).isCloseTo((float) (-1e-3 * Math.signum(total)), within(2e-5f));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(g.length / 2);
    assertThat(l.describe()).containsEntry("weightDecay", wd);
  }

  // -------------------------------------------------------------------- RNN learns

  @Test
  void rnnSolvesShortLagLongLagRecall() {
    // L = 3: window L + 2 = 5 covers cue … query
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(20, 40_000, 2), LongLagTask.Config.DEFAULTS.withLag(3));
    RnnLearner rnn = RnnLearner.forTask(g.info(), 16);
    assertThat(rnn.config().window()).isEqualTo(5);
    EvalResult r = Evaluator.run(g, List.of(rnn), EvalOptions.DEFAULTS.withWindow(500));
    MetricValue acc = r.models().getFirst().metric("accuracy");
    assertThat(acc.window()).isGreaterThanOrEqualTo(0.95);
    assertThat(rnn.describe()).containsEntry("updatesRefused", 0L);
  }

  @Test
  void rnnLearnsFromDelayedLabelsAndCountsExpiredOnes() {
    StreamConfig sc = StreamConfig.of(20, 40_000, 4).withLabels(LabelPolicy.delayed(3));
    TaskGenerator g = LongLagTask.generator(sc, LongLagTask.Config.DEFAULTS.withLag(3));
    LearnerConfig cfg = LearnerConfig.of(g.info(), 16, RnnLearner.DEFAULT_LEARNING_RATE).withRingCapacity(16);
    RnnLearner rnn = new RnnLearner(g.info(), cfg);
    EvalResult r = Evaluator.run(g, List.of(rnn), EvalOptions.DEFAULTS.withWindow(500));
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThanOrEqualTo(0.9);
    assertThat(rnn.describe()).containsEntry("labelsExpired", 0L);

    // a ring of 2 steps cannot hold a step labelled 3 steps later
    RnnLearner small = new RnnLearner(g.info(), cfg.withHiddenSize(8).withRingCapacity(2).withWindow(2));
    Evaluator.run(g.withConfig(sc.withEvents(2000)), List.of(small), EvalOptions.DEFAULTS);
    assertThat((Long) small.describe().get("labelsExpired")).isPositive();
    // only labels flushed when the stream ends can still find their step: at most one per entity
    assertThat((Long) small.describe().get("labelsAccepted")).isLessThanOrEqualTo(20L);
  }

  // -------------------------------------------------------------------- no memory, majority, …

  /** A memoryless stream: x uniform in [-1,1]^3, labelled every event by a fixed linear rule. */
  private static TaskGenerator linearTask(Task task, int k, long events) {
    TaskInfo info = TaskInfo.custom("linear", task, 3, k, 1);
    return new TaskGenerator(info, StreamConfig.of(10, events, 3), (index, rng) -> () -> {
      float[] x = new float[3];
      for (int j = 0; j < 3; j++) {
        x[j] = (float) (2 * rng.nextDouble() - 1);
      }
      double z = 2 * x[0] - x[1] + 0.5 * x[2];
      float target = switch (task) {
        case BINARY -> z > 0 ? 1 : 0;
        case MULTICLASS -> z < -0.7 ? 0 : z < 0.7 ? 1 : 2;
        case REGRESSION -> (float) (0.3 + 0.5 * x[0] - 0.2 * x[1]);
      };
      return new EntityProcess.Step(x, target, EventRole.STEP, 0, 0, 1, 0);
    });
  }

  @Test
  void noMemoryLearnsLinearlySeparableTasks() {
    TaskGenerator bin = linearTask(Task.BINARY, 1, 30_000);
    EvalResult r = Evaluator.run(bin, List.of(NoMemoryLearner.forTask(bin.info())), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThan(0.97);
    assertThat(r.models().getFirst().metric("auc").window()).isGreaterThan(0.99);

    TaskGenerator mc = linearTask(Task.MULTICLASS, 3, 30_000);
    r = Evaluator.run(mc, List.of(NoMemoryLearner.forTask(mc.info())), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("accuracy").window()).isGreaterThan(0.93);

    TaskGenerator reg = linearTask(Task.REGRESSION, 1, 30_000);
    r = Evaluator.run(reg, List.of(NoMemoryLearner.forTask(reg.info())), EvalOptions.DEFAULTS);
    assertThat(r.models().getFirst().metric("mae").window()).isLessThan(0.02);
  }

  @Test
  void majorityPredictsTheMajority() {
    MajorityLearner m = new MajorityLearner(Task.MULTICLASS, 3);
    for (float t : new float[] {0, 1, 1, 2, 1, 0}) {
      m.learn("e", "x", t);
    }
    // counts 2, 3, 1 of 6: (c + 1) / (6 + 3)
    assertThat(m.predict("e", "y", new float[0])).containsExactly(3f / 9, 4f / 9, 2f / 9);
    assertThat(m.majority()).isEqualTo(1);
    MajorityLearner b = new MajorityLearner(Task.BINARY, 1);
    for (float t : new float[] {0, 0, 0, 1}) {
      b.learn("e", "x", t);
    }
    assertThat(b.predict("e", "y", new float[0])[0]).isEqualTo(2f / 6); // (1 + 1) / (4 + 2) < 0.5 -> 0
    assertThat(b.majority()).isZero();
  }

  @Test
  void regressionBaselines() {
    RunningMeanLearner mean = new RunningMeanLearner();
    LastValueLearner last = new LastValueLearner();
    assertThat(mean.predict("a", "1", new float[0])).containsExactly(0f);
    for (OnlineLearner l : List.of(mean, last)) {
      l.learn("a", "1", 1f);
      l.learn("b", "2", 3f);
      l.learn("a", "3", 2f);
    }
    assertThat(mean.predict("c", "4", new float[0])).containsExactly(2f);
    assertThat(last.predict("a", "4", new float[0])).containsExactly(2f);
    assertThat(last.predict("b", "4", new float[0])).containsExactly(3f);
    assertThat(last.predict("c", "4", new float[0])).containsExactly(2f); // unseen: running mean
  }

  @Test
  void baselinesForEachTask() {
    assertThat(Baselines.forTask(LongLagTask.info(LongLagTask.Config.DEFAULTS), 8)).extracting(OnlineLearner::name)
        .containsExactly("nomemory", "rnn", "majority");
    assertThat(Baselines.forTask(AddingTask.info(AddingTask.Config.DEFAULTS), 8)).extracting(OnlineLearner::name)
        .containsExactly("nomemory", "rnn", "mean", "last-value");
  }

  @Test
  void entityRingFindsRecentStepsOnly() {
    EntityRing r = new EntityRing(3, 1, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(r.push("s" + i, new float[] {i}, null)).isEqualTo(i);
    }
    assertThat(r.find("s4")).isEqualTo(4);
    assertThat(r.find("s2")).isEqualTo(2);
    assertThat(r.find("s1")).isEqualTo(-1); // overwritten
    float[] x = new float[1];
    r.copyInputs(3, x, 0);
    assertThat(x[0]).isEqualTo(3f);
    assertThat(r.oldest()).isEqualTo(2);
  }

  @Test
  void clipByGlobalNorm() {
    float[] g = {3, 4};
    assertThat(Head.clipByGlobalNorm(g, 1f)).isEqualTo(5.0);
    assertThat(g[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(g[1]).isCloseTo(0.8f, within(1e-6f));
    float[] small = {0.3f, 0.4f};
    Head.clipByGlobalNorm(small, 1f);
    assertThat(small).containsExactly(0.3f, 0.4f);
  }

  @Test
  void headGradientsAreTheUsualOnes() {
    float[] y = new float[3];
    Head.activate(Task.MULTICLASS, new float[] {1, 2, 3}, y, 3);
    double se = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertThat((double) y[2]).isCloseTo(Math.exp(3) / se, within(1e-6));
    float[] dl = new float[3];
    Head.gradient(Task.MULTICLASS, y, 2, dl, 3);
    assertThat(dl[2]).isCloseTo(y[2] - 1, within(1e-7f));
    Head.gradient(Task.REGRESSION, new float[] {1.5f}, 1f, dl, 1);
    assertThat(dl[0]).isEqualTo(1f); // 2 (y - t)
    assertThat(Head.loss(Task.REGRESSION, new float[] {1.5f}, 1f, 1)).isEqualTo(0.25);
  }
}
