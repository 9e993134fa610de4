package io.cellstream.lstm;

import java.util.Locale;

/** What the dense head predicts, which fixes its activation and loss. */
public enum Task {
  /** Sigmoid per output, binary cross-entropy; targets 0/1. */
  BINARY,
  /** Softmax over K classes, cross-entropy; target is one class (one-hot in vector form). */
  MULTICLASS,
  /** Identity head, half squared error summed over outputs: loss = ½ Σ (y - t)², as in the golden vectors. */
  REGRESSION;

  /** The lower-case name used in configuration, schemas and snapshots. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Task parse(String s) {
    if (s == null) {
      throw new IllegalArgumentException("task is missing: use binary, multiclass or regression");
    }
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "binary" -> BINARY;
      case "multiclass" -> MULTICLASS;
      case "regression" -> REGRESSION;
      default -> throw new IllegalArgumentException(
          "unknown task '" + s + "': use binary, multiclass or regression");
    };
  }
}
