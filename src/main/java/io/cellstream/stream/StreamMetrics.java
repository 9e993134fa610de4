package io.cellstream.stream;

import io.cellstream.input.DeadLetterReason;

import io.cellstream.learn.Targets;
import io.cellstream.learn.LabelOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The loop's own metrics (Micrometer; served at /metrics in Prometheus format). Meters are created once
 * here, so the per-event path only increments.
 *
 * <p>Prequential metrics use exactly the (prediction, label) pairs the label join sees: the prediction stored
 * in the entity's window was made before the label was learned from.
 */
public final class StreamMetrics {

  private final MeterRegistry registry;
  private final Counter events;
  private final Counter predictions;
  private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
  private final Map<LabelOutcome, Counter> labels = new EnumMap<>(LabelOutcome.class);
  private final Counter examples;
  private final Counter updatesApplied;
  private final Counter examplesTaken;
  private final Counter updatesRefusedNonFinite;
  private final Counter updatesRefusedLoss;
  private final Counter modelsPublished;
  private final Counter modelSwaps;
  private final Counter stateUnreadable;
  private final Counter stateTrimmed;
  private final Counter registryRetries;
  private final Counter threadsReplaced;
  private final Map<Redelivery.Outcome, Counter> redelivered = new EnumMap<>(Redelivery.Outcome.class);
  private final Counter examplesResent;
  private final Counter examplesDuplicate;
  private final Timer stepLatency;
  private final DistributionSummary exampleSteps;
  private final AtomicLong modelVersion = new AtomicLong();
  private final AtomicLong trainerVersion = new AtomicLong();
  private volatile double lastTrainingLoss = Double.NaN;
  private final DoubleAdder prequentialLossSum = new DoubleAdder();
  private final LongAdder prequentialPairs = new LongAdder();
  private final LongAdder prequentialCorrect = new LongAdder();
  private final LongAdder prequentialClassified = new LongAdder();
  private final DoubleAdder prequentialAbsError = new DoubleAdder();

  public StreamMetrics(MeterRegistry registry) {
    this.registry = registry;
    events = Counter.builder("cellstream.events").description("Input events read").register(registry);
    predictions = Counter.builder("cellstream.predictions").description("Predictions published").register(registry);
    for (DeadLetterReason r : DeadLetterReason.values()) {
      deadLetters.put(r, Counter.builder("cellstream.dead.letters").tag("reason", r.id())
          .description("Input records sent to the dead-letter topic, by reason").register(registry));
    }
    for (LabelOutcome o : LabelOutcome.values()) {
      labels.put(o, Counter.builder("cellstream.labels").tag("outcome", o.id())
          .description("Labels (inline and delayed) by what became of them").register(registry));
    }
    examples = Counter.builder("cellstream.training.examples").description("Training examples made by the label join").register(registry);
    examplesTaken = Counter.builder("cellstream.training.examples.taken")
        .description("Training examples the trainer has taken in (learned from, or waiting in its unfinished minibatch)")
        .register(registry);
    String updates = "Trainer updates (one per minibatch, new or replayed): applied, or refused and the parameters kept";
    updatesApplied = Counter.builder("cellstream.training.updates").tag("result", "applied").description(updates).register(registry);
    updatesRefusedNonFinite = Counter.builder("cellstream.training.updates").tag("result", "refused-non-finite").description(updates).register(registry);
    updatesRefusedLoss = Counter.builder("cellstream.training.updates").tag("result", "refused-loss-guard").description(updates).register(registry);
    modelsPublished = Counter.builder("cellstream.models.published").description("Model versions published by the trainer").register(registry);
    modelSwaps = Counter.builder("cellstream.model.swaps").description("Model versions taken into use by this instance").register(registry);
    stateUnreadable = Counter.builder("cellstream.state.unreadable")
        .description("Entity memories that could not be read and started afresh").register(registry);
    stateTrimmed = Counter.builder("cellstream.state.trimmed")
        .description("Entity memories that outgrew their changelog's limit and lost their oldest window steps or held labels")
        .register(registry);
    registryRetries = Counter.builder("cellstream.registry.retries")
        .description("Schema registry calls retried because the registry did not answer (the stream thread waited)")
        .register(registry);
    threadsReplaced = Counter.builder("cellstream.stream.threads.replaced")
        .description("Stream threads that failed for a transient cause (Kafka unreachable too long) and were replaced")
        .register(registry);
    for (Redelivery.Outcome o : Redelivery.Outcome.values()) {
      redelivered.put(o, Counter.builder("cellstream.redelivered").tag("input", o.input()).tag("outcome", o.id())
          .description("Records delivered again after a crash (low-latency mode) that had been applied to the memory already:"
              + " not applied again; what was done instead").register(registry));
    }
    examplesResent = Counter.builder("cellstream.training.examples.resent")
        .description("Training examples sent again for a record delivered again (low-latency mode); the trainer drops those it had")
        .register(registry);
    examplesDuplicate = Counter.builder("cellstream.training.examples.duplicate")
        .description("Training examples the trainer had learned from already (same entity, step and event) and dropped (trainer instance only)")
        .register(registry);
    stepLatency = Timer.builder("cellstream.step.latency").description("Decode, LSTM step and state update per event")
        .publishPercentileHistogram().register(registry);
    exampleSteps = DistributionSummary.builder("cellstream.training.example.steps").description("BPTT steps per training example").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.model.version", modelVersion, AtomicLong::doubleValue)
        .description("Model version this instance predicts with").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.trainer.model.version", trainerVersion, AtomicLong::doubleValue)
        .description("Newest version the trainer on this instance published (0 if the trainer runs elsewhere)").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.training.loss", this, m -> m.lastTrainingLoss)
        .description("Mean loss per labelled step of the last applied minibatch").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.prequential.logloss", this, StreamMetrics::prequentialLogLoss)
        .description("Mean loss of predictions against their labels, scored before learning from them (log-loss; ½ squared error for regression)").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.prequential.accuracy", this, StreamMetrics::prequentialAccuracy)
        .description("Fraction of classifications right, scored before learning from the label").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.prequential.mae", this, StreamMetrics::prequentialMae)
        .description("Mean absolute error of regressions, scored before learning from the label").register(registry);
    io.micrometer.core.instrument.Gauge.builder("cellstream.prequential.pairs", prequentialPairs, LongAdder::doubleValue)
        .description("(prediction, label) pairs scored").register(registry);
  }

  /** For tests and tools that don't serve metrics. */
  public static StreamMetrics inMemory() {
    return new StreamMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void event() {
    events.increment();
  }

  public void prediction() {
    predictions.increment();
  }

  public void deadLetter(DeadLetterReason reason) {
    deadLetters.get(reason).increment();
  }

  public void label(LabelOutcome outcome) {
    labels.get(outcome).increment();
  }

  /** A matched label: its example's length and the prequential pair of the prediction stored for its step. */
  public void joined(io.cellstream.state.TrainingExample e, float[] target, io.cellstream.lstm.ModelSpec spec) {
    example(e.steps());
    prequential(io.cellstream.learn.Targets.loss(spec, e.prediction(), target),
        io.cellstream.learn.Targets.correct(spec, e.prediction(), target),
        io.cellstream.learn.Targets.absError(spec, e.prediction(), target));
  }

  public void example(int steps) {
    examples.increment();
    exampleSteps.record(steps);
  }

  public void stateUnreadable() {
    stateUnreadable.increment();
  }

  public void stateTrimmed() {
    stateTrimmed.increment();
  }

  public double stateTrimmedCount() {
    return stateTrimmed.count();
  }

  public void registryRetry() {
    registryRetries.increment();
  }

  public double registryRetries() {
    return registryRetries.count();
  }

  public void threadReplaced() {
    threadsReplaced.increment();
  }

  public double threadsReplaced() {
    return threadsReplaced.count();
  }

  public double stateUnreadableCount() {
    return stateUnreadable.count();
  }

  public void redelivered(Redelivery.Outcome outcome) {
    redelivered.get(outcome).increment();
  }

  public double redeliveredCount(Redelivery.Outcome outcome) {
    return redelivered.get(outcome).count();
  }

  public void exampleResent() {
    examplesResent.increment();
  }

  public double examplesResent() {
    return examplesResent.count();
  }

  public void exampleDuplicate() {
    examplesDuplicate.increment();
  }

  public double examplesDuplicate() {
    return examplesDuplicate.count();
  }

  public Timer stepLatency() {
    return stepLatency;
  }

  public void updateApplied(double meanLoss) {
    updatesApplied.increment();
    lastTrainingLoss = meanLoss;
  }

  public void updateRefusedNonFinite() {
    updatesRefusedNonFinite.increment();
  }

  public void updateRefusedLoss() {
    updatesRefusedLoss.increment();
  }

  public void modelPublished(long version) {
    modelsPublished.increment();
    trainerVersion.set(version);
  }

  public void modelInUse(long version) {
    modelSwaps.increment();
    modelVersion.set(version);
  }

  /**
   * One prequential pair: the loss of the stored prediction against its label, whether it was right (for
   * classification; null otherwise) and its absolute error (regression; NaN otherwise).
   */
  public void prequential(double loss, Boolean correct, double absError) {
    prequentialPairs.increment();
    prequentialLossSum.add(loss);
    if (correct != null) {
      prequentialClassified.increment();
      if (correct) {
        prequentialCorrect.increment();
      }
    }
    if (!Double.isNaN(absError)) {
      prequentialAbsError.add(absError);
    }
  }

  public double prequentialLogLoss() {
    long n = prequentialPairs.sum();
    return n == 0 ? Double.NaN : prequentialLossSum.sum() / n;
  }

  public double prequentialAccuracy() {
    long n = prequentialClassified.sum();
    return n == 0 ? Double.NaN : (double) prequentialCorrect.sum() / n;
  }

  public double prequentialMae() {
    long n = prequentialPairs.sum();
    return n == 0 || prequentialClassified.sum() > 0 ? Double.NaN : prequentialAbsError.sum() / n;
  }

  // Readers for tests and the progress line.
  public double events() {
    return events.count();
  }

  public double predictions() {
    return predictions.count();
  }

  public double deadLetters(DeadLetterReason r) {
    return deadLetters.get(r).count();
  }

  public double deadLettersTotal() {
    return deadLetters.values().stream().mapToDouble(Counter::count).sum();
  }

  public double labels(LabelOutcome o) {
    return labels.get(o).count();
  }

  public double examples() {
    return examples.count();
  }

  /** Examples the trainer has taken in (the trainer's throughput; updates also count replays). */
  public double examplesTaken() {
    return examplesTaken.count();
  }

  public void exampleTaken() {
    examplesTaken.increment();
  }

  public double updatesApplied() {
    return updatesApplied.count();
  }

  public double updatesRefused() {
    return updatesRefusedNonFinite.count() + updatesRefusedLoss.count();
  }

  public long modelVersion() {
    return modelVersion.get();
  }

  public long trainerVersion() {
    return trainerVersion.get();
  }

  public double lastTrainingLoss() {
    return lastTrainingLoss;
  }
}
