package io.cellstream.state;

import java.util.Objects;

/**
 * One truncated-BPTT example, made by the label join from an entity's window: the state before the
 * window's first step, the window's inputs, and the targets of its labelled steps (usually just the last).
 *
 * @param entityId     whose window this is
 * @param eventId      the event the label belongs to (the last labelled step)
 * @param labelledStep absolute step index of that event in the entity's stream
 * @param eventTime    its event time (ms)
 * @param modelVersion the model version that made the prediction for it
 * @param h0           (H) hidden state before the first step of the window
 * @param c0           (H) cell state before the first step of the window; empty for cells without one
 * @param inputs       (T, D) row-major
 * @param targets      (T, K) row-major; rows of unlabelled steps are ignored
 * @param mask         (T) which steps carry a label
 * @param prediction   (K) what the model predicted for the labelled event, before learning from it
 */
public record TrainingExample(
    String entityId,
    String eventId,
    long labelledStep,
    long eventTime,
    long modelVersion,
    int steps,
    int inputSize,
    int hiddenSize,
    int outputSize,
    float[] h0,
    float[] c0,
    float[] inputs,
    float[] targets,
    boolean[] mask,
    float[] prediction) {

  public TrainingExample {
    Objects.requireNonNull(entityId, "entityId");
    Objects.requireNonNull(eventId, "eventId");
    if (steps < 1) {
      throw new IllegalArgumentException("a training example needs at least one step, got " + steps);
    }
    check("h0", h0.length, hiddenSize);
    if (c0.length != hiddenSize && c0.length != 0) {
      throw new IllegalArgumentException("c0 has " + c0.length + " values, expected " + hiddenSize
          + " (an LSTM's cell state) or none (a cell without one)");
    }
    check("inputs", inputs.length, steps * inputSize);
    check("targets", targets.length, steps * outputSize);
    check("mask", mask.length, steps);
    check("prediction", prediction.length, outputSize);
  }

  private static void check(String what, int actual, int expected) {
    if (actual != expected) {
      throw new IllegalArgumentException(what + " has " + actual + " values, expected " + expected);
    }
  }

  /** The example as the trainer reads it (the arrays are shared, not copied). */
  public io.cellstream.lstm.Window window() {
    return new io.cellstream.lstm.Window(h0, c0, inputs, targets, mask);
  }

  /** Number of labelled steps. */
  public int labelledSteps() {
    int n = 0;
    for (boolean m : mask) {
      if (m) {
        n++;
      }
    }
    return n;
  }
}
