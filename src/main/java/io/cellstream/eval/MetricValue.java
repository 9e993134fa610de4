package io.cellstream.eval;

/**
 * A metric at one moment: over all scored pairs so far and over the sliding window of the most recent
 * ones. NaN when undefined (nothing scored yet, AUC with a single class).
 *
 * @param key         see {@link MetricInfo#key()}
 * @param cumulative  over every scored pair (or string) so far
 * @param window      over the last {@code windowCount} pairs (or strings)
 * @param count       pairs (or strings) behind {@code cumulative}
 * @param windowCount pairs (or strings) behind {@code window} (≤ the window size)
 */
public record MetricValue(String key, double cumulative, double window, long count, long windowCount) {}
