package io.cellstream.stream;

import io.cellstream.lstm.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The largest records a configuration can make whose size does not depend on the input — a model version, the
 * trainer's optimiser state, the largest training example — against what their topics accept. Checked at start,
 * when the limits have been read: a configuration that would write a record the broker refuses fails then, with
 * what to change, instead of stopping the stream thread on the first label (RecordTooLargeException).
 */
final class RecordBudget {

  /** Room for a record's headers and metadata beside its floats (names, versions, codec headers, Avro framing). */
  static final int METADATA_BYTES = 2_048;

  private RecordBudget() {}

  /** Floats in the parameters of the LSTM and its head: W (4H, D+H), b (4H), Wy (K, H), by (K). */
  static long parameterFloats(ModelSpec s) {
    long h = s.hiddenSize();
    return 4 * h * (s.inputSize() + h) + 4 * h + (long) s.outputSize() * h + s.outputSize();
  }

  /** What is wrong, one sentence each; empty when every record fits. */
  static List<String> problems(StreamSettings settings, RecordLimits limits) {
    List<String> out = new ArrayList<>();
    ModelSpec spec = settings.spec();
    long params = parameterFloats(spec);
    // with a feature list (snapshot format 2): its text twice (snapshot, and the trainer's statistics record) and
    // 28 bytes per standardised input
    String features = settings.mapping().canonicalFeatures();
    long inputs = features.isEmpty() ? 0
        : 8 + features.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            + 28L * settings.mapping().features().standardisedColumns().length;
    long model = 4 * params + inputs + METADATA_BYTES;
    if (model > limits.modelRecordBytes()) {
      out.add("a model version of D=" + spec.inputSize() + " H=" + spec.hiddenSize() + " K=" + spec.outputSize()
          + " takes " + model + " bytes, over the " + limits.modelRecordBytes() + " the models topic, the trainer's"
          + " changelog and the producer accept (" + limits.source() + "): lower cellstream.model.hidden-size, or raise"
          + " max.message.bytes of those topics and producer.max.request.size");
    }
    long moments = settings.learner().adam().amsgrad() ? 3 : 2;
    long optimizer = 4 * moments * params + METADATA_BYTES;
    if (optimizer > limits.modelRecordBytes()) {
      out.add("the trainer's Adam state (" + moments + " moments of " + params + " parameters) takes " + optimizer
          + " bytes, over the " + limits.modelRecordBytes() + " its changelog and the producer accept: lower"
          + " cellstream.model.hidden-size, or raise topic.max.message.bytes (for the changelog) and"
          + " producer.max.request.size");
    }
    if (settings.trainingEnabled() && settings.windowSteps() > 0) {
      long steps = settings.learner().bpttSteps() + settings.checkpointEvery() - 1L;
      long example = 4 * (2L * spec.hiddenSize() + steps * (spec.inputSize() + spec.outputSize()) + spec.outputSize())
          + steps + settings.input().maxEntityIdBytes() + settings.input().maxEventIdBytes() + METADATA_BYTES;
      if (example > limits.trainingRecordBytes()) {
        out.add("a training example of up to " + steps + " steps takes " + example + " bytes, over the "
            + limits.trainingRecordBytes() + " the training topic and the producer accept: lower"
            + " cellstream.training.bptt-steps, or raise the training topic's max.message.bytes and producer.max.request.size");
      }
    }
    return out;
  }
}
