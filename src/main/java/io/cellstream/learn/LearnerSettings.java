package io.cellstream.learn;

import io.cellstream.lstm.AdamConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How the one online learner learns: the per-entity window and its checkpoints, truncated BPTT, Adam,
 * minibatches, clipping, the loss guard, experience replay and when a new version is published. The service
 * (through its configuration), the demo, replay and {@code eval} all start from {@link #DEFAULTS}: one set of
 * tuned values, so a figure measured in-process describes the service's learner.
 *
 * @param windowSteps         W: past steps of an entity a delayed label may refer to (0: none, inference only)
 * @param checkpointEvery     k: a checkpoint of (h, c) before every k-th step; the window holds W..W+k−1 steps
 * @param bpttSteps           T: an example's window ends at the labelled step and spans about T steps
 * @param adam                optimiser (learning rate, betas, eps, amsgrad)
 * @param batchSize           new examples per Adam update
 * @param clipNorm            clip each update's gradient to this global L2 norm (0: off)
 * @param lossGuardFactor     refuse an update whose mean loss exceeds this multiple of its moving average
 *                            (0: off); non-finite updates are always refused
 * @param replayCapacity      most recent examples kept for experience replay (0: no replay)
 * @param replayUpdates       extra updates per new example (0: none) ...
 * @param replayBatchSize     ... each on a minibatch of this many examples drawn uniformly from the replay buffer
 * @param publishEveryExamples publish a new version once this many new examples were learned from ...
 * @param publishInterval     ... or when this much time has passed since the last version and something was
 *                            learned (null: never by time)
 * @param forgetBias          initial forget-gate bias of version 1
 * @param seed                seed of version 1's initialisation and of the replay's draws
 */
public record LearnerSettings(
    int windowSteps,
    int checkpointEvery,
    int bpttSteps,
    AdamConfig adam,
    int batchSize,
    float clipNorm,
    float lossGuardFactor,
    int replayCapacity,
    int replayUpdates,
    int replayBatchSize,
    long publishEveryExamples,
    Duration publishInterval,
    float forgetBias,
    long seed) {

  /**
   * The tuned defaults (docs/accuracy.md has the measurements behind each): amsgrad, learning rate 0.01,
   * minibatch 1, clipping at 1, forget bias 5 (f ≈ 0.993: the conveyor belt starts open, a cue keeps 70% of its
   * trace over 50 steps), replay of the last 1000 examples with 5 extra updates of 4 drawn examples per new one (one
   * example per update memorised the buffer's noise in some runs; averaging four did not); a new version
   * every 100 examples or 1 s. In-process runs have no wall clock: there only the example count decides (see
   * {@link InProcessLearner}).
   */
  public static final LearnerSettings DEFAULTS = new LearnerSettings(
      32, 8, 16, new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f, true), 1, 1.0f, 0f, 1000, 5, 4, 100, Duration.ofSeconds(1),
      5.0f, 42L);

  /** H of the LSTM (and of the RNN baseline beside it) unless configured. */
  public static final int DEFAULT_HIDDEN_SIZE = 32;

  public LearnerSettings {
    Objects.requireNonNull(adam, "adam");
    if (windowSteps < 0) {
      throw new IllegalArgumentException("window steps must be >= 0, got " + windowSteps);
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1, got " + checkpointEvery);
    }
    if (bpttSteps < 1) {
      throw new IllegalArgumentException("BPTT steps must be >= 1, got " + bpttSteps);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (!(clipNorm >= 0)) {
      throw new IllegalArgumentException("clip norm must be >= 0 (0 = off), got " + clipNorm);
    }
    if (!(lossGuardFactor == 0 || lossGuardFactor > 1)) {
      throw new IllegalArgumentException("loss guard factor must be 0 (off) or > 1, got " + lossGuardFactor);
    }
    if (replayCapacity < 0 || replayUpdates < 0) {
      throw new IllegalArgumentException("replay capacity and updates must be >= 0, got " + replayCapacity + ", " + replayUpdates);
    }
    if (replayUpdates > 0 && replayCapacity == 0) {
      throw new IllegalArgumentException("replay updates need a replay buffer (capacity >= 1)");
    }
    if (replayBatchSize < 1) {
      throw new IllegalArgumentException("replay batch size must be >= 1, got " + replayBatchSize);
    }
    if (publishEveryExamples < 1) {
      throw new IllegalArgumentException("publish every examples must be >= 1, got " + publishEveryExamples);
    }
    if (publishInterval != null && (publishInterval.isNegative() || publishInterval.isZero())) {
      throw new IllegalArgumentException("publish interval must be > 0, got " + publishInterval);
    }
    if (!Float.isFinite(forgetBias)) {
      throw new IllegalArgumentException("forget bias must be finite, got " + forgetBias);
    }
  }

  /** Every setting by name, for reports (the same keys wherever a report records how a model learned). */
  public java.util.Map<String, Object> describe() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("entityWindow", windowSteps);
    m.put("checkpointEvery", checkpointEvery);
    m.put("bpttWindow", bpttSteps);
    m.put("batchSize", batchSize);
    m.put("learningRate", adam.learningRate());
    m.put("amsgrad", adam.amsgrad());
    m.put("clipNorm", clipNorm);
    m.put("lossGuardFactor", lossGuardFactor);
    m.put("replayCapacity", replayCapacity);
    m.put("replayUpdates", replayUpdates);
    m.put("replayBatchSize", replayBatchSize);
    m.put("publishEveryExamples", publishEveryExamples);
    m.put("forgetBias", forgetBias);
    m.put("seed", seed);
    return m;
  }

  /** The minibatch trainer's part: clipping, mean over labelled steps, the loss guard. */
  public TrainerConfig trainerConfig() {
    TrainerConfig c = TrainerConfig.DEFAULTS.withClipNorm(clipNorm);
    return lossGuardFactor > 0 ? c.withBlowUpGuard(lossGuardFactor, TrainerConfig.DEFAULTS.blowUpWarmup()) : c;
  }

  public LearnerSettings withWindow(int w, int bptt) {
    return new LearnerSettings(w, checkpointEvery, bptt, adam, batchSize, clipNorm, lossGuardFactor, replayCapacity,
        replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withCheckpointEvery(int k) {
    return new LearnerSettings(windowSteps, k, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor, replayCapacity,
        replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withAdam(AdamConfig a) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, a, batchSize, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withLearningRate(float lr) {
    return withAdam(adam.withLearningRate(lr));
  }

  public LearnerSettings withBatchSize(int b) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, b, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withClipNorm(float c) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, c, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withLossGuard(float factor) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, factor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withReplay(int capacity, int updates) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor,
        capacity, updates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withReplayBatchSize(int m) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, m, publishEveryExamples, publishInterval, forgetBias, seed);
  }

  public LearnerSettings withPublish(long everyExamples, Duration interval) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, everyExamples, interval, forgetBias, seed);
  }

  public LearnerSettings withForgetBias(float b) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, b, seed);
  }

  public LearnerSettings withSeed(long s) {
    return new LearnerSettings(windowSteps, checkpointEvery, bpttSteps, adam, batchSize, clipNorm, lossGuardFactor,
        replayCapacity, replayUpdates, replayBatchSize, publishEveryExamples, publishInterval, forgetBias, s);
  }
}
