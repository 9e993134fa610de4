package io.cellstream.eval;

/**
 * One metric's learning curve: a point every M scored pairs.
 *
 * @param key        metric key
 * @param events     x: events the stream had delivered when the point was taken
 * @param scored     scored pairs of the model at that point
 * @param cumulative the metric over all scored pairs so far
 * @param window     the metric over the sliding window
 */
public record Curve(String key, long[] events, long[] scored, double[] cumulative, double[] window) {

  public int size() {
    return events.length;
  }
}
