package io.cellstream.eval;

import io.cellstream.lstm.ModelSpec;

/**
 * The LSTM in-process: the engine's cell under the same {@link RecurrentLearner} as the RNN baseline, for
 * sweeps that compare the two cells with everything else equal. (The demo runs the LSTM inside the service
 * instead; this is the same model without Kafka in between.)
 */
public class LstmLearner extends RecurrentLearner {

  /**
   * Tuned on long-lag recall (L = 50, H = 32, batch 1): 1e-3 learned, 2e-3 and 3e-4 were slower or failed
   * within 1M events (see docs/accuracy.md).
   */
  public static final float DEFAULT_LEARNING_RATE = 1e-3f;
  /**
   * Initial forget-gate bias. With 1.0 (the common default) f ≈ 0.73, so a cue fades as 0.73^50 ≈ 1e-7 over
   * 50 steps and so does its gradient: L = 50 was not learned in 1M events. With 3.0 (f ≈ 0.95) the conveyor
   * belt starts out nearly open and it was.
   */
  public static final float DEFAULT_FORGET_BIAS = 3.0f;

  public LstmLearner(TaskInfo task, LearnerConfig config) {
    this("lstm", task.modelSpec(config.hiddenSize()), config, DEFAULT_FORGET_BIAS);
  }

  public LstmLearner(String name, ModelSpec spec, LearnerConfig config, float forgetBias) {
    super(name, new LstmCell(spec, forgetBias), config);
  }

  public static LstmLearner forTask(TaskInfo task, int hiddenSize) {
    return new LstmLearner(task, LearnerConfig.of(task, hiddenSize, DEFAULT_LEARNING_RATE).withBatchSize(1));
  }
}
