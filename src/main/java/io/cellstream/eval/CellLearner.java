package io.cellstream.eval;

import io.cellstream.learn.InProcessLearner;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.NoMemoryCell;
import io.cellstream.learn.RnnCell;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.ModelSpec;
import java.util.Map;

/**
 * The one online learner ({@link InProcessLearner}) behind the evaluation's interface: the LSTM, the vanilla
 * RNN and the no-memory model differ only in their {@link io.cellstream.learn.Cell}; window, checkpoints,
 * label join, minibatches, replay, clipping, Adam and publish policy are the service's.
 */
public final class CellLearner implements OnlineLearner {

  /**
   * The RNN baseline's own learning rate: its best of 3e-4, 1e-3, 3e-3, 1e-2 on long-lag recall, the only one
   * that learned L = 50 (docs/accuracy.md). Everything else is the LSTM's.
   */
  public static final float RNN_LEARNING_RATE = 1e-3f;
  /** The no-memory baseline's learning rate: best final-window log-loss (Reber) and MAE (adding) of 1e-3 … 1e-1. */
  public static final float NO_MEMORY_LEARNING_RATE = 3e-3f;

  private final InProcessLearner<?> learner;
  private final ModelSpec spec;

  public CellLearner(InProcessLearner<?> learner) {
    this.learner = learner;
    this.spec = learner.cell().spec();
  }

  /** The service's LSTM, in-process, with {@code settings}. */
  public static CellLearner lstm(String name, TaskInfo task, int hiddenSize, LearnerSettings settings) {
    ModelSpec spec = task.modelSpec(hiddenSize);
    return new CellLearner(new InProcessLearner<>(name, new LstmCell(spec, settings.forgetBias()), settings, true));
  }

  /** The vanilla RNN with {@code settings} (give it {@link #RNN_LEARNING_RATE}). */
  public static CellLearner rnn(String name, TaskInfo task, int hiddenSize, LearnerSettings settings) {
    return new CellLearner(new InProcessLearner<>(name, new RnnCell(task.modelSpec(hiddenSize)), settings, true));
  }

  /** The memoryless model with {@code settings}; its BPTT window is one step (the labelled one). */
  public static CellLearner noMemory(String name, TaskInfo task, LearnerSettings settings) {
    LearnerSettings s = settings.withWindow(Math.max(1, settings.windowSteps()), 1);
    return new CellLearner(new InProcessLearner<>(name, new NoMemoryCell(task.modelSpec(1)), s, true));
  }

  @Override
  public String name() {
    return learner.name();
  }

  public InProcessLearner<?> learner() {
    return learner;
  }

  @Override
  public float[] predict(String entityId, String eventId, long eventTime, float[] features) {
    return learner.predict(entityId, eventId, eventTime, features);
  }

  @Override
  public LabelOutcome learn(String entityId, String eventId, float target) {
    return learner.learn(entityId, eventId, Targets.of(spec, target));
  }

  @Override
  public void flush() {
    learner.flush();
  }

  @Override
  public Map<String, Object> describe() {
    return learner.describe();
  }
}
