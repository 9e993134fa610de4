package io.cellstream.stream;

import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.ModelSpec;
import java.util.Objects;

/**
 * Everything the topology needs to know, already validated. Built by the configuration layer at the edge
 * (properties file, environment, command line) or directly by tests.
 *
 * @param topics          the topics the loop reads and writes
 * @param modelName       key of the model on the models topic
 * @param spec            D, H, K and the task
 * @param learner         how the one online learner learns (window, checkpoints, BPTT, Adam, replay, publish
 *                        policy, version 1's seed and forget bias)
 * @param trainingEnabled learn from labels (false: inference only; labels are still matched and counted)
 * @param maxRecordBytes  records larger than this go to the dead-letter topic as oversized
 * @param keepGates       keep the last step's gate activations in each entity's state (3H bytes)
 */
public record StreamSettings(
    Topics topics,
    String modelName,
    ModelSpec spec,
    LearnerSettings learner,
    boolean trainingEnabled,
    int maxRecordBytes,
    boolean keepGates) {

  public StreamSettings {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(learner, "learner");
    if (maxRecordBytes < 64) {
      throw new IllegalArgumentException("max record bytes must be >= 64, got " + maxRecordBytes);
    }
  }

  /** W: how many past steps a label may refer to (0: inference only, labels expire). */
  public int windowSteps() {
    return learner.windowSteps();
  }

  /** k: a checkpoint of (h, c) every k steps; the window holds W..W+k-1 steps. */
  public int checkpointEvery() {
    return learner.checkpointEvery();
  }

  /** Seed of version 1's initialisation. */
  public long seed() {
    return learner.seed();
  }

  /** Initial forget-gate bias of version 1. */
  public float forgetBias() {
    return learner.forgetBias();
  }

  /** The topics of one deployment. */
  public record Topics(
      String events, String labels, String predictions, String deadLetters, String models, String trainingExamples) {

    /** Default names; the training topic is per application id so that a replay never feeds a live trainer. */
    public static Topics defaults(String applicationId) {
      return new Topics("events", "labels", "predictions", "dead-letters", "models", applicationId + "-training-examples");
    }
  }
}
