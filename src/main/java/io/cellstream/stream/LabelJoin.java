package io.cellstream.stream;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.EntityState;
import io.cellstream.state.TrainingExample;

/**
 * Finds a labelled step in an entity's window and turns it into a truncated-BPTT example: (h, c) at the
 * checkpoint where the window starts, the inputs from there to the labelled step, the target on that step.
 * Shared by inline targets (on the event itself) and delayed labels (from the labels topic).
 */
final class LabelJoin {

  /** The result of a join: what became of the label and, when matched, the example. */
  record Result(LabelOutcome outcome, TrainingExample example) {}

  private final ModelSpec spec;
  private final int bpttSteps;
  private final StreamMetrics metrics;
  private final float[] prediction;

  LabelJoin(ModelSpec spec, int bpttSteps, StreamMetrics metrics) {
    this.spec = spec;
    this.bpttSteps = bpttSteps;
    this.metrics = metrics;
    this.prediction = new float[spec.outputSize()];
  }

  /**
   * Joins a label for {@code eventId} with the entity's window, marks the step as labelled and records the
   * prequential pair. The caller writes the state back when the outcome is {@link LabelOutcome#MATCHED}.
   */
  Result join(String entityId, EntityState state, String eventId, float[] target) {
    if (!state.hasWindow()) {
      return new Result(LabelOutcome.NO_WINDOW, null);
    }
    long step = state.findStep(eventId);
    if (step == EntityState.NO_STEP) {
      // Steps have left the window: the label most likely refers to one of them. Otherwise nothing matches.
      boolean stepsLeft = state.eventsSeen > state.windowCount();
      return new Result(stepsLeft ? LabelOutcome.EXPIRED : LabelOutcome.UNKNOWN_EVENT, null);
    }
    if (state.isLabelled(step)) {
      return new Result(LabelOutcome.DUPLICATE, null);
    }
    state.copyPrediction(step, prediction, 0);
    metrics.prequential(Targets.loss(spec, prediction, target), Targets.correct(spec, prediction, target),
        Targets.absError(spec, prediction, target));

    long start = state.windowStartFor(step, bpttSteps);
    int steps = (int) (step - start + 1);
    int d = spec.inputSize();
    int k = spec.outputSize();
    float[] h0 = new float[spec.hiddenSize()];
    float[] c0 = new float[spec.hiddenSize()];
    state.copyCheckpoint(start, h0, c0);
    float[] inputs = new float[steps * d];     // (T, D)
    for (int t = 0; t < steps; t++) {
      state.copyInput(start + t, inputs, t * d);
    }
    float[] targets = new float[steps * k];    // (T, K), only the last row labelled
    System.arraycopy(target, 0, targets, (steps - 1) * k, k);
    boolean[] mask = new boolean[steps];       // (T)
    mask[steps - 1] = true;
    state.markLabelled(step);
    metrics.example(steps);
    TrainingExample example = new TrainingExample(entityId, eventId, step, state.eventTime(step), state.modelVersion,
        steps, d, spec.hiddenSize(), k, h0, c0, inputs, targets, mask, prediction.clone());
    return new Result(LabelOutcome.MATCHED, example);
  }
}
