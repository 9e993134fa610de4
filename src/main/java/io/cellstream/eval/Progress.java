package io.cellstream.eval;

/**
 * Where one model stands during a run.
 *
 * @param model           the model's name
 * @param events          events processed so far
 * @param totalEvents     events the run will process (the generator's count), or −1 when unknown
 * @param scored          (prediction, label) pairs scored so far
 * @param eventsPerSecond events per second of this model's own processing time (predict + learn)
 * @param metric          key of the task's primary metric
 * @param cumulative      that metric over all scored pairs
 * @param window          that metric over the sliding window
 * @param elapsedSeconds  wall-clock seconds since the run started
 */
public record Progress(String model, long events, long totalEvents, long scored, double eventsPerSecond,
    String metric, double cumulative, double window, double elapsedSeconds) {

  /** One line for a console: {@code rnn  120000/500000 ev  31200 ev/s  accuracy 0.412 (window 0.530)}. */
  public String format() {
    String total = totalEvents >= 0 ? "/" + totalEvents : "";
    return String.format(java.util.Locale.ROOT, "%-10s %d%s ev  %.0f ev/s  %s %.4f (window %.4f)",
        model, events, total, eventsPerSecond, metric, cumulative, window);
  }
}
