package io.cellstream.eval;

import io.cellstream.lstm.AdamConfig;

/**
 * Training settings shared by the gradient-trained learners (the baselines here, the LSTM adapter).
 *
 * @param hiddenSize   H (recurrent models)
 * @param window       truncated BPTT steps ending at the labelled step (recurrent models)
 * @param ringCapacity steps kept per entity for labels that arrive late; a label for an older step is
 *                     {@link LearnOutcome#EXPIRED}; at least 1 (a delayed label's BPTT window is cut where
 *                     the ring ends)
 * @param batchSize    labelled examples per Adam update
 * @param adam         optimiser settings (PyTorch's Adam)
 * @param clipNorm     gradient clipping by global L2 norm (≤ 0: off)
 * @param seed         initialisation seed
 * @param weightDecay  L2 penalty λ: λ·p is added to each averaged gradient before clipping (0: off, as
 *                     lstm.Adam has none). Keeps weights from growing without bound once the loss is
 *                     near zero (see the package documentation)
 */
public record LearnerConfig(int hiddenSize, int window, int ringCapacity, int batchSize, AdamConfig adam,
    float clipNorm, long seed, float weightDecay) {

  public LearnerConfig {
    if (hiddenSize < 1 || window < 1 || ringCapacity < 1 || batchSize < 1 || adam == null) {
      throw new IllegalArgumentException("hidden size, window, ring capacity, batch size must be >= 1");
    }
    if (!(weightDecay >= 0 && Float.isFinite(weightDecay))) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
  }

  public LearnerConfig(int hiddenSize, int window, int ringCapacity, int batchSize, AdamConfig adam,
      float clipNorm, long seed) {
    this(hiddenSize, window, ringCapacity, batchSize, adam, clipNorm, seed, 0f);
  }

  /** Window and ring from the task, given hidden size and learning rate, batch 16, clip 1. */
  public static LearnerConfig of(TaskInfo task, int hiddenSize, float learningRate) {
    int w = task.suggestedWindow();
    return new LearnerConfig(hiddenSize, w, 2 * w, 16, AdamConfig.DEFAULTS.withLearningRate(learningRate), 1f, 1);
  }

  public float learningRate() {
    return adam.learningRate();
  }

  public LearnerConfig withLearningRate(float lr) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam.withLearningRate(lr), clipNorm, seed, weightDecay);
  }

  public LearnerConfig withHiddenSize(int h) {
    return new LearnerConfig(h, window, ringCapacity, batchSize, adam, clipNorm, seed, weightDecay);
  }

  /** Sets the BPTT window; the ring grows to at least the window. */
  public LearnerConfig withWindow(int w) {
    return new LearnerConfig(hiddenSize, w, Math.max(ringCapacity, w), batchSize, adam, clipNorm, seed, weightDecay);
  }

  public LearnerConfig withRingCapacity(int c) {
    return new LearnerConfig(hiddenSize, window, c, batchSize, adam, clipNorm, seed, weightDecay);
  }

  public LearnerConfig withBatchSize(int b) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, b, adam, clipNorm, seed, weightDecay);
  }

  public LearnerConfig withClipNorm(float c) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam, c, seed, weightDecay);
  }

  public LearnerConfig withWeightDecay(float wd) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam, clipNorm, seed, wd);
  }

  public LearnerConfig withAdam(AdamConfig a) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, a, clipNorm, seed, weightDecay);
  }

  public LearnerConfig withSeed(long s) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam, clipNorm, s, weightDecay);
  }
}
