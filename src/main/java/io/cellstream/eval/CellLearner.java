package io.cellstream.eval;

import io.cellstream.learn.Cell;
import io.cellstream.learn.FeatureMemory;
import io.cellstream.learn.InProcessLearner;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LabelOutcome;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.NoMemoryCell;
import io.cellstream.learn.RnnCell;
import io.cellstream.learn.Targets;
import io.cellstream.lstm.InputStatistics;
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

  /**
   * How the learners read a stream's inputs: ready-made ({@link #PLAIN}: the tasks, the cellstream format), or as
   * the input layer made them from the user's own records (the feature list's standardised columns, learned as the
   * service's trainer learns them, and what an entity's memory keeps of the targets learned from).
   */
  public record Inputs(InputStatistics layout, FeatureMemory memory) {
    public static final Inputs PLAIN = new Inputs(null, FeatureMemory.NONE);
  }

  /** The service's LSTM, in-process, with {@code settings}. */
  public static CellLearner lstm(String name, TaskInfo task, int hiddenSize, LearnerSettings settings) {
    return lstm(name, task, hiddenSize, settings, Inputs.PLAIN);
  }

  public static CellLearner lstm(String name, TaskInfo task, int hiddenSize, LearnerSettings settings, Inputs inputs) {
    ModelSpec spec = task.modelSpec(hiddenSize);
    return of(name, new LstmCell(spec, settings.forgetBias()), settings, inputs);
  }

  /** The vanilla RNN with {@code settings} (give it {@link #RNN_LEARNING_RATE}). */
  public static CellLearner rnn(String name, TaskInfo task, int hiddenSize, LearnerSettings settings) {
    return rnn(name, task, hiddenSize, settings, Inputs.PLAIN);
  }

  public static CellLearner rnn(String name, TaskInfo task, int hiddenSize, LearnerSettings settings, Inputs inputs) {
    return of(name, new RnnCell(task.modelSpec(hiddenSize)), settings, inputs);
  }

  /** The memoryless model with {@code settings}; its BPTT window is one step (the labelled one). */
  public static CellLearner noMemory(String name, TaskInfo task, LearnerSettings settings) {
    return noMemory(name, task, settings, Inputs.PLAIN);
  }

  public static CellLearner noMemory(String name, TaskInfo task, LearnerSettings settings, Inputs inputs) {
    LearnerSettings s = settings.withWindow(Math.max(1, settings.windowSteps()), 1);
    return of(name, new NoMemoryCell(task.modelSpec(1)), s, inputs);
  }

  private static <W> CellLearner of(String name, Cell<W> cell, LearnerSettings settings, Inputs inputs) {
    InputStatistics layout = inputs.layout() != null ? inputs.layout() : InputStatistics.none(cell.spec().inputSize());
    return new CellLearner(new InProcessLearner<>(name, cell, settings, LabelJoin.Holding.DEFAULTS, true, null, layout,
        inputs.memory(), 1, 0));
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
  public float[] predict(TaskEvent e) {
    if (e.inputs() != null) {
      return learner.predict(e.entityId(), e.eventId(), e.eventTimeMillis(), e.inputs());
    }
    return learner.predict(e.entityId(), e.eventId(), e.eventTimeMillis(), e.features());
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
