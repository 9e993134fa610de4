package io.cellstream.eval;

/** Receives progress during a run. With several threads it is called from each; make it thread-safe. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = p -> { };

  void onProgress(Progress progress);
}
