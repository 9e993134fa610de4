/**
 * Evaluation: benchmark streams, prequential metrics, baselines and reports. Imports only the JDK,
 * {@code io.cellstream.learn}, {@code io.cellstream.lstm} and Jackson; nothing here knows Kafka, so the demo, replay and import
 * commands build on it, and the models plug in behind {@link io.cellstream.eval.OnlineLearner}.
 *
 * <h2>Streams</h2>
 * A {@link io.cellstream.eval.TaskGenerator} is a seeded, repeatable stream of
 * {@link io.cellstream.eval.StreamRecord}s for many interleaved entities ({@link
 * io.cellstream.eval.StreamConfig}: entities, events, seed, {@link io.cellstream.eval.Interleaving},
 * {@link io.cellstream.eval.LabelPolicy}). A record is a {@link io.cellstream.eval.TaskEvent} (entity id
 * {@code e00042}, event id {@code e00042:17}, strictly increasing event time, D features, the inline target
 * or null, how it is labelled, its role and place in its sequence) or a {@link
 * io.cellstream.eval.TaskLabel} that arrives after its event (delayed labels, counted in the entity's own
 * events). An event is scored iff it is labelled. {@link io.cellstream.eval.TaskInfo} holds what a model
 * and a report need: head type, D, K, a BPTT window that covers the task's dependencies, the headline
 * metric and its chance level, the generator's parameters and feature layout.
 * <ul>
 *   <li>{@link io.cellstream.eval.LongLagTask} — cue (one of K classes, one-hot), L distractors of noise,
 *       query whose target is the cue's class. Layout {@code [class one-hot K | cue | distractor | query |
 *       noise M]}; queries are identical vectors, so no memory means chance (1/K) by construction.</li>
 *   <li>{@link io.cellstream.eval.AddingTask} — Hochreiter &amp; Schmidhuber (1997) experiment 4 exactly as
 *       the paper defines the marks (one of the first ten pairs, one of the first T/2 − 1 still unmarked),
 *       lengths in [T, T + T/10]; layout {@code [value, marker, start, end]} (or the paper's two
 *       components); target 0.5 + (X1 + X2)/4 at the sequence end only; correct when |error| &lt; 0.04.</li>
 *   <li>{@link io.cellstream.eval.ReberTask} — embedded Reber strings one symbol per event, target = the
 *       actual next symbol, each event carrying the legal-next-symbol mask; string, strict (paper) and
 *       penultimate-symbol criteria.</li>
 * </ul>
 * {@link io.cellstream.eval.Tasks#create} builds one from a name and string options (for command lines).
 *
 * <h2>Metrics</h2>
 * {@link io.cellstream.eval.MetricSet} scores (prediction, label) pairs prequentially: binary accuracy,
 * log-loss (clipped at 1e-7) and exact ROC AUC ({@link io.cellstream.eval.RocAuc}: cumulative in
 * O(log n) per pair with an order-statistics treap, windowed on demand in O(N log N)); multiclass accuracy
 * and log-loss; regression MAE and RMSE; plus the adding and Reber criteria. Every metric is cumulative
 * and over the last N pairs ({@link io.cellstream.eval.WindowedMean}). {@link
 * io.cellstream.eval.ModelTrack} pairs a model's predictions with labels in either order and records
 * {@link io.cellstream.eval.Curve}s every M scored pairs.
 *
 * <h2>Learners</h2>
 * {@link io.cellstream.eval.OnlineLearner}: {@code predict(entityId, eventId, eventTime, features)} advances
 * the entity's state and returns the outputs; {@code learn(entityId, eventId, target)} when the label comes
 * (same event or later); {@code flush()}; {@code describe()}. The LSTM, the vanilla RNN and the no-memory
 * model are {@link io.cellstream.eval.CellLearner}s: the one online learner of {@code io.cellstream.learn}
 * (the service's window, checkpoints, label join, minibatches, replay, clipping, Adam and publish policy)
 * with another cell. {@link io.cellstream.eval.Baselines} adds {@link io.cellstream.eval.MajorityLearner},
 * {@link io.cellstream.eval.RunningMeanLearner} and {@link io.cellstream.eval.LastValueLearner}, which learn
 * nothing but counts. {@link io.cellstream.eval.LearningRateSweep} tries several learning rates on the same
 * stream. The measurements behind the defaults are in docs/accuracy.md.
 *
 * <h2>Running and reporting</h2>
 * {@link io.cellstream.eval.EvalSession} drives in-process learners record by record (predict, score,
 * learn) and scores external models (the LSTM inside the service) from predictions handed in; {@link
 * io.cellstream.eval.Evaluator} runs learners over a generator, in one pass or one pass per model on a
 * thread pool, with {@link io.cellstream.eval.ProgressListener} callbacks; {@link
 * io.cellstream.eval.LagSweep} tabulates accuracy against lag. {@link io.cellstream.eval.ReportWriter}
 * writes the self-contained HTML page (inline SVG from {@link io.cellstream.eval.SvgChart}) and the JSON
 * beside it, and a one-line JSON summary for command output.
 */
package io.cellstream.eval;
