package io.cellstream.stream;

import io.cellstream.input.InputLimits;
import io.cellstream.input.InputMapping;
import io.cellstream.learn.LabelJoin;
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
 * @param input           bounds on input records (size, entity and event id lengths), each a dead-letter reason
 * @param holding         how labels that come before their event are held in the entity's state
 * @param maxStateBytes   an entity's stored memory is kept at most this large (0: as large as its changelog
 *                        accepts: the producer's max.request.size and the changelog topic's max.message.bytes)
 * @param keepGates       keep the last step's gate activations in each entity's state (3H bytes)
 * @param mapping         how input records become events and labels (formats, fields, features); {@link
 *                        InputMapping#CELLSTREAM} for cellstream's own records
 * @param delivery        exactly-once or low-latency, and what is kept to apply records delivered twice once
 */
public record StreamSettings(
    Topics topics,
    String modelName,
    ModelSpec spec,
    LearnerSettings learner,
    boolean trainingEnabled,
    InputLimits input,
    LabelJoin.Holding holding,
    int maxStateBytes,
    boolean keepGates,
    InputMapping mapping,
    Delivery delivery) {

  public StreamSettings {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(learner, "learner");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(holding, "holding");
    Objects.requireNonNull(mapping, "mapping");
    Objects.requireNonNull(delivery, "delivery");
    if (mapping.features() != null && mapping.features().width() != spec.inputSize()) {
      throw new IllegalArgumentException("the features make D=" + mapping.features().width() + " inputs, the model reads D="
          + spec.inputSize());
    }
    if (maxStateBytes < 0) {
      throw new IllegalArgumentException("max state bytes must be >= 0 (0: the changelog's limit), got " + maxStateBytes);
    }
  }

  /** The default bounds, holding and state size, with {@code maxRecordBytes} as the record size bound. */
  public StreamSettings(Topics topics, String modelName, ModelSpec spec, LearnerSettings learner,
      boolean trainingEnabled, int maxRecordBytes, boolean keepGates) {
    this(topics, modelName, spec, learner, trainingEnabled, InputLimits.DEFAULTS.withMaxRecordBytes(maxRecordBytes),
        LabelJoin.Holding.DEFAULTS, 0, keepGates, InputMapping.CELLSTREAM, Delivery.EXACTLY_ONCE);
  }

  /** As the canonical form, reading cellstream's own records. */
  public StreamSettings(Topics topics, String modelName, ModelSpec spec, LearnerSettings learner,
      boolean trainingEnabled, InputLimits input, LabelJoin.Holding holding, int maxStateBytes, boolean keepGates) {
    this(topics, modelName, spec, learner, trainingEnabled, input, holding, maxStateBytes, keepGates,
        InputMapping.CELLSTREAM, Delivery.EXACTLY_ONCE);
  }

  /** As the canonical form, with exactly-once delivery (the default). */
  public StreamSettings(Topics topics, String modelName, ModelSpec spec, LearnerSettings learner,
      boolean trainingEnabled, InputLimits input, LabelJoin.Holding holding, int maxStateBytes, boolean keepGates,
      InputMapping mapping) {
    this(topics, modelName, spec, learner, trainingEnabled, input, holding, maxStateBytes, keepGates, mapping,
        Delivery.EXACTLY_ONCE);
  }

  /** Records larger than this go to the dead-letter topic as oversized. */
  public int maxRecordBytes() {
    return input.maxRecordBytes();
  }

  /** These settings with other input bounds. */
  public StreamSettings withInput(InputLimits limits) {
    return new StreamSettings(topics, modelName, spec, learner, trainingEnabled, limits, holding, maxStateBytes, keepGates, mapping, delivery);
  }

  /** These settings with another hold for early labels. */
  public StreamSettings withHolding(LabelJoin.Holding h) {
    return new StreamSettings(topics, modelName, spec, learner, trainingEnabled, input, h, maxStateBytes, keepGates, mapping, delivery);
  }

  /** These settings with another bound on an entity's stored memory. */
  public StreamSettings withMaxStateBytes(int bytes) {
    return new StreamSettings(topics, modelName, spec, learner, trainingEnabled, input, holding, bytes, keepGates, mapping, delivery);
  }

  /** These settings reading input records as {@code m} says. */
  public StreamSettings withMapping(InputMapping m) {
    return new StreamSettings(topics, modelName, spec, learner, trainingEnabled, input, holding, maxStateBytes, keepGates, m, delivery);
  }

  /** These settings with another delivery mode. */
  public StreamSettings withDelivery(Delivery d) {
    return new StreamSettings(topics, modelName, spec, learner, trainingEnabled, input, holding, maxStateBytes, keepGates,
        mapping, d);
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

  /**
   * The topics of one deployment.
   *
   * @param eventsByEntity a user format's events whose key is not their entity are repartitioned through this topic,
   *                       keyed by the entity ({@code <application.id>-events-by-entity}); unused for the cellstream
   *                       format
   * @param labelsByEntity the same for labels ({@code <application.id>-labels-by-entity})
   */
  public record Topics(
      String events, String labels, String predictions, String deadLetters, String models, String trainingExamples,
      String eventsByEntity, String labelsByEntity) {

    /** The repartition topics named after the training topic's prefix (tests name their topics that way). */
    public Topics(String events, String labels, String predictions, String deadLetters, String models,
        String trainingExamples) {
      this(events, labels, predictions, deadLetters, models, trainingExamples, prefix(trainingExamples) + "events-by-entity",
          prefix(trainingExamples) + "labels-by-entity");
    }

    private static String prefix(String trainingExamples) {
      int dash = trainingExamples.lastIndexOf('-');
      String p = trainingExamples.endsWith("-training-examples")
          ? trainingExamples.substring(0, trainingExamples.length() - "training-examples".length())
          : dash > 0 ? trainingExamples.substring(0, dash + 1) : trainingExamples + "-";
      return p;
    }

    /** Default names; the training and repartition topics are per application id (a replay never feeds a live one). */
    public static Topics defaults(String applicationId) {
      return new Topics("events", "labels", "predictions", "dead-letters", "models", applicationId + "-training-examples",
          applicationId + "-events-by-entity", applicationId + "-labels-by-entity");
    }
  }
}
