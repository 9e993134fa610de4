package io.cellstream.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The baselines a report shows beside the LSTM, for a task: no memory, vanilla RNN (same hidden size,
 * window, batch, clipping and optimiser as the LSTM's config; its own tuned learning rate), and majority
 * class (classification) or running mean and last value (regression).
 */
public final class Baselines {

  private Baselines() {}

  /**
   * All baselines that apply to {@code task}. {@code recurrent} gives the RNN's settings (hidden size,
   * window, batch size, clipping, seed — typically the LSTM's); its learning rate is used as is.
   * {@code noMemoryLearningRate} is the no-memory model's (its optimum differs: see the defaults).
   */
  public static List<OnlineLearner> forTask(TaskInfo task, LearnerConfig recurrent, float noMemoryLearningRate) {
    List<OnlineLearner> all = new ArrayList<>();
    all.add(NoMemoryLearner.forTask(task, recurrent.withLearningRate(noMemoryLearningRate)));
    all.add(new RnnLearner(task, recurrent));
    switch (task.task()) {
      case BINARY, MULTICLASS -> all.add(MajorityLearner.forTask(task));
      case REGRESSION -> {
        all.add(new RunningMeanLearner());
        all.add(new LastValueLearner());
      }
    }
    return all;
  }

  /** All baselines with the tuned default learning rates, the task's window and {@code hiddenSize}. */
  public static List<OnlineLearner> forTask(TaskInfo task, int hiddenSize) {
    return forTask(task, LearnerConfig.of(task, hiddenSize, RnnLearner.DEFAULT_LEARNING_RATE),
        NoMemoryLearner.DEFAULT_LEARNING_RATE);
  }
}
