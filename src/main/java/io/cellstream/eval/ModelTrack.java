package io.cellstream.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Pairs one model's predictions with their labels, in whatever order the two arrive, and scores each
 * pair once both are there ({@link MetricSet}); records a learning-curve point every M scored pairs.
 *
 * <p>Use it directly for a model that runs elsewhere (the LSTM inside the service: predictions read from
 * the predictions topic, labels from the events/labels topics), or through {@link EvalSession}, which
 * drives in-process learners with it. All methods are synchronized: predictions and labels may come from
 * different threads.
 *
 * <p>Pending predictions and labels are held in insertion order up to {@link EvalOptions#maxPending()}; the
 * oldest beyond that is dropped and counted in {@link #droppedPending()}.
 */
public final class ModelTrack {

  private static final class Pending {
    TaskEvent event;
    float[] outputs;
    boolean hasLabel;
    float label;
  }

  private final String name;
  private final MetricSet metrics;
  private final CurveRecorder curves = new CurveRecorder();
  private final LongSupplier eventsSeen;
  private long curveEvery;
  private final int maxCurvePoints;
  private final boolean requireExpected;
  private final int maxPending;
  private final Map<String, Pending> pending;
  private long dropped;
  private long ignoredPredictions;

  /**
   * @param name            model name
   * @param info            the task (decides the metrics)
   * @param options         window, curve spacing, pending bound
   * @param eventsSeen      x of the learning curves: events delivered so far
   * @param requireExpected true: only predictions of events announced with {@link #expect} are kept
   *                        (the others are unlabelled and dropped at once); false: every prediction waits
   *                        for a label (replay of real data, where any event may get a label later)
   */
  public ModelTrack(String name, TaskInfo info, EvalOptions options, LongSupplier eventsSeen,
      boolean requireExpected) {
    this.name = name;
    this.metrics = new MetricSet(info, options.window());
    this.eventsSeen = eventsSeen;
    this.curveEvery = options.curveEvery();
    this.maxCurvePoints = options.maxCurvePoints();
    this.requireExpected = requireExpected;
    this.maxPending = options.maxPending();
    this.pending = new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Pending> eldest) {
        if (size() > ModelTrack.this.maxPending) {
          dropped++;
          return true;
        }
        return false;
      }
    };
  }

  public String name() {
    return name;
  }

  /** Announces a labelled event whose prediction will come later (with its metadata for the criteria). */
  public synchronized void expect(TaskEvent event) {
    if (!event.labelled()) {
      return;
    }
    Pending p = pending.computeIfAbsent(key(event.entityId(), event.eventId()), k -> new Pending());
    p.event = event;
  }

  /** The model's prediction for {@code event}. Returns true when it completed a pair (scored now). */
  public synchronized boolean prediction(TaskEvent event, float[] outputs) {
    if (!event.labelled() && requireExpected) {
      return false;
    }
    String k = key(event.entityId(), event.eventId());
    Pending p = pending.computeIfAbsent(k, x -> new Pending());
    p.event = event;
    p.outputs = outputs.clone();
    return tryScore(k, p);
  }

  /**
   * The model's prediction for an event known by ids only (a Prediction record). Kept when the event was
   * announced with {@link #expect}, or always when this track does not require that.
   */
  public synchronized boolean prediction(String entityId, String eventId, float[] outputs) {
    String k = key(entityId, eventId);
    Pending p = pending.get(k);
    if (p == null) {
      if (requireExpected) {
        ignoredPredictions++;
        return false;
      }
      p = new Pending();
      pending.put(k, p);
    }
    p.outputs = outputs.clone();
    return tryScore(k, p);
  }

  /** A label. Returns true when it completed a pair (scored now). */
  public synchronized boolean label(String entityId, String eventId, float target) {
    String k = key(entityId, eventId);
    Pending p = pending.computeIfAbsent(k, x -> new Pending());
    p.hasLabel = true;
    p.label = target;
    return tryScore(k, p);
  }

  private boolean tryScore(String k, Pending p) {
    if (p.outputs == null || !p.hasLabel) {
      return false;
    }
    pending.remove(k);
    metrics.score(p.event, p.outputs, p.label);
    if (metrics.scored() % curveEvery == 0) {
      curves.snapshot(eventsSeen.getAsLong(), metrics);
      if (curves.size() >= maxCurvePoints) { // points at M, 2M, 3M, … : keep 2M, 4M, … and go on every 2M
        curves.halve();
        curveEvery *= 2;
      }
    }
    return true;
  }

  /** Takes a learning-curve point now (e.g. at the end of a run), unless nothing changed since the last. */
  public synchronized void snapshot() {
    curves.snapshot(eventsSeen.getAsLong(), metrics);
  }

  public synchronized MetricValue value(String key) {
    return metrics.value(key);
  }

  public synchronized java.util.List<MetricValue> values() {
    return metrics.values();
  }

  public synchronized long scored() {
    return metrics.scored();
  }

  public synchronized int pendingCount() {
    return pending.size();
  }

  public synchronized long droppedPending() {
    return dropped;
  }

  /** Predictions for events that were never announced (tracks that require it). */
  public synchronized long ignoredPredictions() {
    return ignoredPredictions;
  }

  /** Final numbers; takes a last curve point first. */
  public synchronized ModelResult result(Map<String, Object> description, long events, double seconds) {
    curves.snapshot(eventsSeen.getAsLong(), metrics);
    return new ModelResult(name, description, events, metrics.scored(), metrics.invalidOutputs(), dropped,
        seconds, metrics.values(), curves.curves());
  }

  private static String key(String entityId, String eventId) {
    return entityId + '\u0000' + eventId;
  }
}
