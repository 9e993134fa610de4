package io.cellstream.eval;

import io.cellstream.lstm.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Long-lag recall: "I grew up in France … (L sentences) … I speak fluent ___".
 *
 * <p>Each entity's stream is a chain of episodes of {@code L + 2} events:
 * <pre>
 *   position 0        CUE         carries one of K classes, drawn uniformly, unlabelled
 *   positions 1..L    DISTRACTOR  noise only, unlabelled
 *   position L+1      QUERY       labelled: target = the class of the cue L+1 events earlier
 * </pre>
 * and the next episode starts right after the query.
 *
 * <p>Feature layout, D = K + 3 + M (M = noise dimensions):
 * <pre>
 *   [0, K)        class one-hot: 1 at the cue's class on a CUE, 0 on every other event
 *   K             cue flag         (1 on CUE, else 0)
 *   K+1           distractor flag  (1 on DISTRACTOR, else 0)
 *   K+2           query flag       (1 on QUERY, else 0)
 *   [K+3, K+3+M)  noise: uniform in [-1, 1] on DISTRACTOR, 0 on CUE and QUERY
 * </pre>
 * Nothing but the cue depends on the class: every query has the very same feature vector, and
 * distractors draw their noise independently of it. A model without memory therefore sees identical
 * inputs for every query and cannot beat chance, 1/K, in expectation, by construction. Only queries carry
 * a label, so only queries are scored.
 *
 * <p>With {@code binary} (K must be 2) the task is binary: target 0/1, one sigmoid output, and AUC is
 * reported too.
 */
public final class LongLagTask {

  /**
   * @param classes   K ≥ 2
   * @param lag       L ≥ 0 distractors between cue and query
   * @param noiseDims M ≥ 0 noise features on distractors
   * @param binary    binary head (K = 2, one output) instead of a K-way softmax
   */
  public record Config(int classes, int lag, int noiseDims, boolean binary) {

    public static final Config DEFAULTS = new Config(4, 50, 4, false);

    public Config {
      if (classes < 2 || classes > 1024) {
        throw new IllegalArgumentException("long-lag needs 2..1024 classes, got " + classes);
      }
      if (lag < 0) {
        throw new IllegalArgumentException("lag must be >= 0, got " + lag);
      }
      if (noiseDims < 0) {
        throw new IllegalArgumentException("noise dimensions must be >= 0, got " + noiseDims);
      }
      if (binary && classes != 2) {
        throw new IllegalArgumentException("the binary variant needs exactly 2 classes, got " + classes);
      }
    }

    public Config withLag(int l) {
      return new Config(classes, l, noiseDims, binary);
    }

    public Config withClasses(int k) {
      return new Config(k, lag, noiseDims, binary);
    }

    /** D = K + 3 + M. */
    public int inputSize() {
      return classes + 3 + noiseDims;
    }

    public int cueFlag() {
      return classes;
    }

    public int distractorFlag() {
      return classes + 1;
    }

    public int queryFlag() {
      return classes + 2;
    }

    public int noiseOffset() {
      return classes + 3;
    }

    /** Events per episode: cue, L distractors, query. */
    public int episodeLength() {
      return lag + 2;
    }
  }

  private LongLagTask() {}

  public static TaskInfo info(Config c) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("classes", c.classes());
    p.put("lag", c.lag());
    p.put("noiseDims", c.noiseDims());
    p.put("binary", c.binary());
    Map<String, Double> chance = new LinkedHashMap<>();
    chance.put(MetricInfo.ACCURACY.key(), 1.0 / c.classes());
    chance.put(MetricInfo.LOG_LOSS.key(), Math.log(c.classes()));
    if (c.binary()) {
      chance.put(MetricInfo.AUC.key(), 0.5);
    }
    String layout = "[0," + c.classes() + ") class one-hot (cue only); " + c.cueFlag() + " cue flag; "
        + c.distractorFlag() + " distractor flag; " + c.queryFlag() + " query flag; [" + c.noiseOffset() + ","
        + c.inputSize() + ") noise U(-1,1) on distractors";
    return new TaskInfo(Benchmark.LONG_LAG, Benchmark.LONG_LAG.id(),
        "long-lag recall, K=" + c.classes() + ", L=" + c.lag() + (c.binary() ? ", binary" : ""),
        c.binary() ? Task.BINARY : Task.MULTICLASS, c.inputSize(), c.binary() ? 1 : c.classes(),
        c.episodeLength(), MetricInfo.ACCURACY.key(), chance, p, layout);
  }

  public static TaskGenerator generator(StreamConfig stream, Config c) {
    return new TaskGenerator(info(c), stream, (index, rng) -> new EntityProcess() {
      long episode = 0;
      int pos = 0;
      int cls = 0;

      @Override
      public Step next() {
        float[] x = new float[c.inputSize()];
        int p = pos;
        Step s;
        if (p == 0) {
          cls = rng.nextInt(c.classes());
          x[cls] = 1f;
          x[c.cueFlag()] = 1f;
          s = new Step(x, Float.NaN, EventRole.CUE, episode, p, c.episodeLength(), 0);
        } else if (p <= c.lag()) {
          x[c.distractorFlag()] = 1f;
          for (int j = 0; j < c.noiseDims(); j++) {
            x[c.noiseOffset() + j] = (float) (2 * rng.nextDouble() - 1);
          }
          s = new Step(x, Float.NaN, EventRole.DISTRACTOR, episode, p, c.episodeLength(), 0);
        } else {
          x[c.queryFlag()] = 1f;
          s = new Step(x, cls, EventRole.QUERY, episode, p, c.episodeLength(), 0);
        }
        if (++pos == c.episodeLength()) {
          pos = 0;
          episode++;
        }
        return s;
      }
    });
  }
}
