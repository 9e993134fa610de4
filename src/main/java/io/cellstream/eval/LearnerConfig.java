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
 */
public record LearnerConfig(int hiddenSize, int window, int ringCapacity, int batchSize, AdamConfig adam,
    float clipNorm, long seed) {

  public LearnerConfig {
    if (hiddenSize < 1 || window < 1 || ringCapacity < 1 || batchSize < 1 || adam == null) {
      throw new IllegalArgumentException("hidden size, window, ring capacity, batch size must be >= 1");
    }
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
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam.withLearningRate(lr), clipNorm, seed);
  }

  public LearnerConfig withHiddenSize(int h) {
    return new LearnerConfig(h, window, ringCapacity, batchSize, adam, clipNorm, seed);
  }

  /** Sets the BPTT window; the ring grows to at least the window. */
  public LearnerConfig withWindow(int w) {
    return new LearnerConfig(hiddenSize, w, Math.max(ringCapacity, w), batchSize, adam, clipNorm, seed);
  }

  public LearnerConfig withRingCapacity(int c) {
    return new LearnerConfig(hiddenSize, window, c, batchSize, adam, clipNorm, seed);
  }

  public LearnerConfig withBatchSize(int b) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, b, adam, clipNorm, seed);
  }

  public LearnerConfig withClipNorm(float c) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam, c, seed);
  }

  public LearnerConfig withSeed(long s) {
    return new LearnerConfig(hiddenSize, window, ringCapacity, batchSize, adam, clipNorm, s);
  }
}
