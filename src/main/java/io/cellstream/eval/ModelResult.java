package io.cellstream.eval;

import java.util.List;
import java.util.Map;

/**
 * Final numbers of one model in one run.
 *
 * @param name           model name (lstm, rnn, nomemory, majority …)
 * @param description    the model's hyper-parameters and counters (learning rate, hidden size, labels
 *                       expired …), for the report
 * @param events         events the model saw
 * @param scored         pairs scored
 * @param invalidOutputs non-finite outputs (scored as uninformed predictions)
 * @param droppedPending predictions or labels dropped waiting for their partner
 * @param seconds        processing time of the model (predict + learn) in seconds
 * @param metrics        final metrics, cumulative and windowed, primary first
 * @param curves         learning curves per metric
 */
public record ModelResult(String name, Map<String, Object> description, long events, long scored,
    long invalidOutputs, long droppedPending, double seconds, List<MetricValue> metrics, List<Curve> curves) {

  /** The metric of that key, or null. */
  public MetricValue metric(String key) {
    for (MetricValue m : metrics) {
      if (m.key().equals(key)) {
        return m;
      }
    }
    return null;
  }

  /** The curve of that key, or null. */
  public Curve curve(String key) {
    for (Curve c : curves) {
      if (c.key().equals(key)) {
        return c;
      }
    }
    return null;
  }

  public double eventsPerSecond() {
    return seconds > 0 ? events / seconds : Double.NaN;
  }
}
