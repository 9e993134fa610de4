package io.cellstream.learn;

import io.cellstream.state.EntityState;
import io.cellstream.state.TrainingExample;

/**
 * Finds a labelled step in an entity's window and turns it into a truncated-BPTT example: the state (h, c)
 * at the checkpoint where the window starts, the inputs from there to the labelled step, the target on that
 * step, and the prediction that was made for it (so that the pair is scored before it is learned from).
 * The one label join: inline targets and delayed labels, in the service and in-process.
 */
public final class LabelJoin {

  /** The result of a join: what became of the label and, when matched, the example. */
  public record Result(LabelOutcome outcome, TrainingExample example) {

    public boolean matched() {
      return outcome == LabelOutcome.MATCHED;
    }
  }

  private final int bpttSteps;

  /** @param bpttSteps T: the example's window ends at the labelled step and spans about T steps */
  public LabelJoin(int bpttSteps) {
    if (bpttSteps < 1) {
      throw new IllegalArgumentException("BPTT steps must be >= 1, got " + bpttSteps);
    }
    this.bpttSteps = bpttSteps;
  }

  public int bpttSteps() {
    return bpttSteps;
  }

  /**
   * Joins a label for {@code eventId} with the entity's window and marks the step as labelled. The caller
   * writes the state back when the outcome is {@link LabelOutcome#MATCHED}.
   *
   * @param target (K) the head's target vector (see {@link Targets#toVector}); copied
   */
  public Result join(String entityId, EntityState state, String eventId, float[] target) {
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
    int d = state.inputSize();
    int k = state.outputSize();
    float[] prediction = new float[k];
    state.copyPrediction(step, prediction, 0);
    long start = state.windowStartFor(step, bpttSteps);
    int steps = (int) (step - start + 1);
    float[] h0 = new float[state.hiddenSize()];
    float[] c0 = new float[state.cellStateSize()];
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
    TrainingExample example = new TrainingExample(entityId, eventId, step, state.eventTime(step), state.modelVersion,
        steps, d, state.hiddenSize(), k, h0, c0, inputs, targets, mask, prediction);
    return new Result(LabelOutcome.MATCHED, example);
  }
}
