package io.cellstream.eval;

/**
 * How an evaluation scores and records.
 *
 * @param window              sliding-window size N of the windowed metrics (pairs; strings for string metrics)
 * @param curveEvery          a learning-curve point every M scored pairs
 * @param progressEveryEvents a progress report every this many events (0 = never)
 * @param threads             1: all models share one pass over the stream on the caller's thread;
 *                            more: each model reads its own pass of the (deterministic) stream on a pool
 *                            of this many threads
 * @param maxPending          predictions and labels waiting for their partner, per model, at most
 *                            (beyond, the oldest is dropped and counted)
 * @param maxCurvePoints      a curve reaching this many points drops every other one and doubles its
 *                            spacing, so long runs keep between max/2 and max points (≥ 4)
 */
public record EvalOptions(int window, int curveEvery, long progressEveryEvents, int threads, int maxPending,
    int maxCurvePoints) {

  public static final EvalOptions DEFAULTS = new EvalOptions(2000, 100, 50_000, 1, 1_000_000, 1000);

  public EvalOptions {
    if (window < 1 || curveEvery < 1 || progressEveryEvents < 0 || threads < 1 || maxPending < 1
        || maxCurvePoints < 4) {
      throw new IllegalArgumentException("window, curveEvery, threads, maxPending must be >= 1, "
          + "progressEveryEvents >= 0, maxCurvePoints >= 4");
    }
  }

  public EvalOptions withMaxPending(int n) {
    return new EvalOptions(window, curveEvery, progressEveryEvents, threads, n, maxCurvePoints);
  }

  public EvalOptions withMaxCurvePoints(int n) {
    return new EvalOptions(window, curveEvery, progressEveryEvents, threads, maxPending, n);
  }

  public EvalOptions withWindow(int w) {
    return new EvalOptions(w, curveEvery, progressEveryEvents, threads, maxPending, maxCurvePoints);
  }

  public EvalOptions withCurveEvery(int m) {
    return new EvalOptions(window, m, progressEveryEvents, threads, maxPending, maxCurvePoints);
  }

  public EvalOptions withProgressEvery(long events) {
    return new EvalOptions(window, curveEvery, events, threads, maxPending, maxCurvePoints);
  }

  public EvalOptions withThreads(int t) {
    return new EvalOptions(window, curveEvery, progressEveryEvents, t, maxPending, maxCurvePoints);
  }
}
