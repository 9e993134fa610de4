package io.cellstream.stream;

import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.ModelSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the topology needs to know, already validated. Built by the configuration layer at the edge
 * (properties file, environment, command line) or directly by tests.
 *
 * @param topics            the topics the loop reads and writes
 * @param modelName         key of the model on the models topic
 * @param spec              D, H, K and the task
 * @param seed              seed of version 1's initialisation
 * @param forgetBias        initial forget-gate bias of version 1
 * @param windowSteps       W: how many past steps a label may refer to (0: inference only, labels expire)
 * @param checkpointEvery   k: a checkpoint of (h, c) every k steps; the window holds W..W+k-1 steps
 * @param training          the trainer's settings
 * @param maxRecordBytes    records larger than this go to the dead-letter topic as oversized
 * @param keepGates         keep the last step's gate activations in each entity's state (3H bytes)
 */
public record StreamSettings(
    Topics topics,
    String modelName,
    ModelSpec spec,
    long seed,
    float forgetBias,
    int windowSteps,
    int checkpointEvery,
    Training training,
    int maxRecordBytes,
    boolean keepGates) {

  public StreamSettings {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(training, "training");
    if (windowSteps < 0) {
      throw new IllegalArgumentException("window steps must be >= 0, got " + windowSteps);
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1, got " + checkpointEvery);
    }
    if (maxRecordBytes < 64) {
      throw new IllegalArgumentException("max record bytes must be >= 64, got " + maxRecordBytes);
    }
  }

  /** The topics of one deployment. */
  public record Topics(
      String events, String labels, String predictions, String deadLetters, String models, String trainingExamples) {

    /** Default names; the training topic is per application id so that a replay never feeds a live trainer. */
    public static Topics defaults(String applicationId) {
      return new Topics("events", "labels", "predictions", "dead-letters", "models", applicationId + "-training-examples");
    }
  }

  /**
   * @param enabled              learn from labels (false: inference only; labels are still matched and counted)
   * @param bpttSteps            T: the truncated-BPTT window ends at the labelled step and spans about T steps
   * @param adam                 optimiser settings
   * @param batchSize            examples per Adam update
   * @param clipNorm             clip the minibatch gradient to this global L2 norm (0: no clipping)
   * @param publishEveryExamples publish a new model version after this many examples ...
   * @param publishInterval      ... or after this much wall-clock time with at least one update
   * @param lossGuardFactor      refuse an update whose minibatch loss exceeds this multiple of the running
   *                             mean loss (0: off); non-finite updates are always refused
   */
  public record Training(
      boolean enabled,
      int bpttSteps,
      AdamConfig adam,
      int batchSize,
      float clipNorm,
      long publishEveryExamples,
      Duration publishInterval,
      float lossGuardFactor) {

    public Training {
      Objects.requireNonNull(adam, "adam");
      Objects.requireNonNull(publishInterval, "publishInterval");
      if (bpttSteps < 1) {
        throw new IllegalArgumentException("BPTT steps must be >= 1, got " + bpttSteps);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
      }
      if (!(clipNorm >= 0)) {
        throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
      }
      if (publishEveryExamples < 1) {
        throw new IllegalArgumentException("publish every examples must be >= 1, got " + publishEveryExamples);
      }
      if (!(lossGuardFactor == 0 || lossGuardFactor > 1)) {
        throw new IllegalArgumentException("loss guard factor must be 0 (off) or > 1, got " + lossGuardFactor);
      }
    }
  }
}
