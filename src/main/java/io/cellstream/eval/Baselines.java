package io.cellstream.eval;

import io.cellstream.learn.LearnerSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The models a report shows beside the LSTM, for a task: no memory and the vanilla RNN (both through the one
 * online learner, with the LSTM's settings but their own tuned learning rates), and majority class
 * (classification) or running mean and last value (regression).
 */
public final class Baselines {

  private Baselines() {}

  /**
   * The learner's settings for a task: {@code base} with a BPTT window of the task's longest dependency and an
   * entity window that also covers the label delay (so that a delayed label still finds its whole window).
   */
  public static LearnerSettings settings(TaskInfo task, LabelPolicy labels, LearnerSettings base) {
    int t = task.suggestedWindow();
    int delay = labels.delayedFraction() > 0 ? labels.delaySteps() : 0;
    return base.withWindow(t + delay, t);
  }

  /** All baselines that apply to {@code task}, from {@code settings} (see {@link #settings}). */
  public static List<OnlineLearner> forTask(TaskInfo task, LearnerSettings settings, int hiddenSize) {
    List<OnlineLearner> all = new ArrayList<>();
    all.add(CellLearner.noMemory("nomemory", task, settings.withLearningRate(CellLearner.NO_MEMORY_LEARNING_RATE)));
    all.add(CellLearner.rnn("rnn", task, hiddenSize, settings.withLearningRate(CellLearner.RNN_LEARNING_RATE)));
    switch (task.task()) {
      case BINARY, MULTICLASS -> all.add(MajorityLearner.forTask(task));
      case REGRESSION -> {
        all.add(new RunningMeanLearner());
        all.add(new LastValueLearner());
      }
    }
    return all;
  }

  /** All baselines with the tuned defaults, inline labels and {@code hiddenSize}. */
  public static List<OnlineLearner> forTask(TaskInfo task, int hiddenSize) {
    return forTask(task, settings(task, LabelPolicy.INLINE, LearnerSettings.DEFAULTS), hiddenSize);
  }
}
