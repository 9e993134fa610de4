package io.cellstream.eval;

import io.cellstream.lstm.ModelSpec;

/**
 * The vanilla RNN baseline: a {@link RecurrentLearner} over an {@link RnnModel} cell, trained exactly as
 * the LSTM is (same per-entity window and checkpoints, BPTT window, minibatches, clipping and Adam).
 */
public class RnnLearner extends RecurrentLearner {

  /**
   * Tuned default learning rate: on long-lag recall (H = 32, batch 16) 1e-2 learned every lag the RNN
   * learned at all, and fastest; see the package documentation.
   */
  public static final float DEFAULT_LEARNING_RATE = 1e-2f;

  /** For a task: D and K from the task, H and everything else from {@code config}. */
  public RnnLearner(TaskInfo task, LearnerConfig config) {
    this("rnn", task.modelSpec(config.hiddenSize()), config);
  }

  /** {@code spec.hiddenSize()} must equal {@code config.hiddenSize()}. */
  public RnnLearner(ModelSpec spec, LearnerConfig config) {
    this("rnn", spec, config);
  }

  public RnnLearner(String name, ModelSpec spec, LearnerConfig config) {
    super(name, new RnnModel(spec), config);
  }

  /** For a task: its D, K and window, the given hidden size and the tuned default learning rate. */
  public static RnnLearner forTask(TaskInfo task, int hiddenSize) {
    return new RnnLearner(task, LearnerConfig.of(task, hiddenSize, DEFAULT_LEARNING_RATE));
  }
}
