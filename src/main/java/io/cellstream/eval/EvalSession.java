package io.cellstream.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prequential evaluation of several models on one stream, record by record: for each event every
 * in-process learner predicts (its state advances), and when a label is there — inline or later — the
 * prediction is scored first and only then learned from (test-then-train).
 *
 * <p>Models that run elsewhere (the LSTM inside the service) join with {@link #addExternal}: the session
 * announces labelled events and delivers labels to their tracks; the caller hands in their predictions
 * ({@link ModelTrack#prediction(String, String, float[])}) as they arrive.
 *
 * <pre>{@code
 * EvalSession s = new EvalSession(gen.info(), EvalOptions.DEFAULTS);
 * Baselines.forTask(gen.info(), 32).forEach(s::add);
 * ModelTrack lstm = s.addExternal("lstm");
 * for (StreamRecord r : gen) { produce(r); s.accept(r); }   // lstm.prediction(...) from a consumer thread
 * s.finish();
 * EvalResult result = s.result(Map.of("entities", 100));
 * }</pre>
 *
 * <p>{@link #accept} is not thread-safe; {@link ModelTrack} methods are.
 */
public final class EvalSession {

  private final class Driven {
    final OnlineLearner learner;
    final ModelTrack track;
    long nanos;
    long nextProgress;

    Driven(OnlineLearner learner, ModelTrack track) {
      this.learner = learner;
      this.track = track;
    }
  }

  private final TaskInfo info;
  private final EvalOptions options;
  private final List<Driven> driven = new ArrayList<>();
  private final List<ModelTrack> external = new ArrayList<>();
  private final List<ModelTrack> all = new ArrayList<>();
  private volatile long events;
  private long labels;
  private long totalEvents = -1;
  private ProgressListener listener = ProgressListener.NONE;
  private long nextProgress;
  private final long started = System.nanoTime();

  public EvalSession(TaskInfo info, EvalOptions options) {
    this.info = info;
    this.options = options;
    this.nextProgress = options.progressEveryEvents();
  }

  /** Adds an in-process learner that this session drives. */
  public EvalSession add(OnlineLearner learner) {
    checkName(learner.name());
    ModelTrack t = new ModelTrack(learner.name(), info, options, () -> events, true);
    driven.add(new Driven(learner, t));
    all.add(t);
    return this;
  }

  /** Adds a model whose predictions come from elsewhere; returns the track to hand them to. */
  public ModelTrack addExternal(String name) {
    checkName(name);
    ModelTrack t = new ModelTrack(name, info, options, () -> events, true);
    external.add(t);
    all.add(t);
    return t;
  }

  private void checkName(String name) {
    for (ModelTrack t : all) {
      if (t.name().equals(name)) {
        throw new IllegalArgumentException("two models named " + name);
      }
    }
  }

  /** Reports progress to {@code l} every {@link EvalOptions#progressEveryEvents()} events. */
  public EvalSession onProgress(ProgressListener l, long totalEvents) {
    this.listener = l == null ? ProgressListener.NONE : l;
    this.totalEvents = totalEvents;
    return this;
  }

  /** Processes one record of the stream. */
  public void accept(StreamRecord r) {
    switch (r) {
      case TaskEvent e -> onEvent(e);
      case TaskLabel l -> onLabel(l);
    }
  }

  public void onEvent(TaskEvent e) {
    events++;
    for (ModelTrack t : external) {
      t.expect(e);
    }
    for (Driven d : driven) {
      long t0 = System.nanoTime();
      float[] out = d.learner.predict(e);
      if (e.labelled()) {
        d.track.prediction(e, out);
      }
      if (e.label() == LabelMode.INLINE) {
        d.track.label(e.entityId(), e.eventId(), e.target()); // scored before it is learned from
        d.learner.learn(e.entityId(), e.eventId(), e.target());
      }
      d.nanos += System.nanoTime() - t0;
    }
    if (e.label() == LabelMode.INLINE) {
      labels++;
      for (ModelTrack t : external) {
        t.label(e.entityId(), e.eventId(), e.target());
      }
    }
    if (options.progressEveryEvents() > 0 && events >= nextProgress) {
      nextProgress += options.progressEveryEvents();
      reportProgress();
    }
  }

  public void onLabel(TaskLabel l) {
    labels++;
    for (Driven d : driven) {
      long t0 = System.nanoTime();
      d.track.label(l.entityId(), l.eventId(), l.target());
      d.learner.learn(l.entityId(), l.eventId(), l.target());
      d.nanos += System.nanoTime() - t0;
    }
    for (ModelTrack t : external) {
      t.label(l.entityId(), l.eventId(), l.target());
    }
  }

  /** Sends one progress report per model now. */
  public void reportProgress() {
    double elapsed = (System.nanoTime() - started) / 1e9;
    for (ModelTrack t : all) {
      double secs = elapsed;
      for (Driven d : driven) {
        if (d.track == t) {
          secs = d.nanos / 1e9;
        }
      }
      MetricValue m = t.value(info.primaryMetric());
      listener.onProgress(new Progress(t.name(), events, totalEvents, t.scored(),
          secs > 0 ? events / secs : Double.NaN, info.primaryMetric(),
          m == null ? Double.NaN : m.cumulative(), m == null ? Double.NaN : m.window(), elapsed));
    }
  }

  /** Applies the learners' buffered minibatches. Call once the stream has ended. */
  public void finish() {
    for (Driven d : driven) {
      long t0 = System.nanoTime();
      d.learner.flush();
      d.nanos += System.nanoTime() - t0;
    }
  }

  public long events() {
    return events;
  }

  public long labels() {
    return labels;
  }

  public TaskInfo info() {
    return info;
  }

  public EvalOptions options() {
    return options;
  }

  /** Every model's track, driven ones first in the order added, then external ones. */
  public List<ModelTrack> tracks() {
    List<ModelTrack> l = new ArrayList<>();
    driven.forEach(d -> l.add(d.track));
    l.addAll(external);
    return l;
  }

  /** The track of that model, or null. */
  public ModelTrack track(String name) {
    for (ModelTrack t : all) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Per model results, in the order the models were added. */
  public List<ModelResult> modelResults() {
    double elapsed = (System.nanoTime() - started) / 1e9;
    List<ModelResult> out = new ArrayList<>();
    for (ModelTrack t : all) {
      Driven dv = null;
      for (Driven d : driven) {
        if (d.track == t) {
          dv = d;
        }
      }
      Map<String, Object> desc = dv != null ? new LinkedHashMap<>(dv.learner.describe())
          : new LinkedHashMap<>(Map.of("model", "external"));
      if (dv == null) {
        desc.put("ignoredPredictions", t.ignoredPredictions());
        desc.put("pending", t.pendingCount());
      }
      out.add(t.result(desc, events, dv != null ? dv.nanos / 1e9 : elapsed));
    }
    return out;
  }

  /** The whole result: task, {@code run} parameters, options and per-model numbers. */
  public EvalResult result(Map<String, Object> run) {
    return new EvalResult(info, run, options, modelResults(), (System.nanoTime() - started) / 1e9);
  }
}
