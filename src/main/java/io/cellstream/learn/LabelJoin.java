package io.cellstream.learn;

import io.cellstream.state.EntityState;
import io.cellstream.state.HeldLabel;
import io.cellstream.state.TrainingExample;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a labelled step in an entity's window and turns it into a truncated-BPTT example: the state (h, c)
 * at the checkpoint where the window starts, the inputs from there to the labelled step, the target on that
 * step, and the prediction that was made for it (so that the pair is scored before it is learned from).
 * The one label join: inline targets and delayed labels, in the service and in-process.
 *
 * <p>A delayed label can also arrive <em>before</em> its event: labels and events travel on different topics,
 * so a label produced 0.2 s after its event may still be read first. {@link #offer} holds such a label in the
 * entity's state ({@link Holding}: at most so many per entity, for at most so long on the host's clock), and
 * {@link #afterStep} joins it when the event's step has been taken, exactly as if it had come after. A label
 * whose event has recently left the window is too late ({@link LabelOutcome#EXPIRED}) at once; one held for an
 * event that does not come in time is given up ({@link LabelOutcome#UNMATCHED}) and handed back to the host,
 * which reports it (the service dead-letters it).
 */
public final class LabelJoin {

  /**
   * How labels that come before their event are held.
   *
   * @param maxPerEntity at most this many held per entity; a newer one pushes the oldest out (0: none held)
   * @param maxAgeMillis a held label is given up once the host's clock is more than this past its arrival
   */
  public record Holding(int maxPerEntity, long maxAgeMillis) {

    /**
     * 64 labels per entity, for 2 minutes: a service catching up after an outage can read a partition's labels well
     * ahead of its events (the producers resend their backlogs topic by topic); 16 gave some up in the chaos suite.
     */
    public static final Holding DEFAULTS = new Holding(64, 120_000);

    public Holding {
      if (maxPerEntity < 0) {
        throw new IllegalArgumentException("held labels per entity must be >= 0, got " + maxPerEntity);
      }
      if (maxAgeMillis < 0) {
        throw new IllegalArgumentException("hold time must be >= 0 ms, got " + maxAgeMillis);
      }
    }
  }

  /**
   * The result of a join: what became of the label, the example when matched, and any labels the entity had
   * held that were given up on the way (too old, or pushed out by this one): the host reports each of those.
   */
  public record Result(LabelOutcome outcome, TrainingExample example, List<HeldLabel> givenUp) {

    public Result(LabelOutcome outcome, TrainingExample example) {
      this(outcome, example, List.of());
    }

    public boolean matched() {
      return outcome == LabelOutcome.MATCHED;
    }
  }

  /**
   * What happened to the held labels when an event's step was taken: the one held for this event (null if none)
   * and its example (null if it could not be joined after all), and the labels given up.
   */
  public record AfterStep(HeldLabel joined, TrainingExample example, List<HeldLabel> givenUp) {

    static final AfterStep NOTHING = new AfterStep(null, null, List.of());
  }

  private final int bpttSteps;
  private final Holding holding;

  /** @param bpttSteps T: the example's window ends at the labelled step and spans about T steps */
  public LabelJoin(int bpttSteps) {
    this(bpttSteps, Holding.DEFAULTS);
  }

  /** @param holding how labels that come before their event are held */
  public LabelJoin(int bpttSteps, Holding holding) {
    if (bpttSteps < 1) {
      throw new IllegalArgumentException("BPTT steps must be >= 1, got " + bpttSteps);
    }
    this.bpttSteps = bpttSteps;
    this.holding = java.util.Objects.requireNonNull(holding, "holding");
  }

  public int bpttSteps() {
    return bpttSteps;
  }

  public Holding holding() {
    return holding;
  }

  /**
   * Joins a label for {@code eventId} with the entity's window now, and marks the step as labelled: the inline
   * path, whose step was just taken. The caller writes the state back when the outcome is
   * {@link LabelOutcome#MATCHED}.
   *
   * @param target (K) the head's target vector (see {@link Targets#toVector}); copied
   */
  public Result join(String entityId, EntityState state, String eventId, float[] target) {
    if (!state.hasWindow()) {
      return new Result(LabelOutcome.NO_WINDOW, null);
    }
    long step = state.findStep(eventId);
    if (step == EntityState.NO_STEP) {
      return new Result(state.departedRecently(eventId) ? LabelOutcome.EXPIRED : LabelOutcome.UNMATCHED, null);
    }
    if (state.isLabelled(step)) {
      return new Result(LabelOutcome.DUPLICATE, null);
    }
    return new Result(LabelOutcome.MATCHED, example(entityId, state, step, eventId, target));
  }

  /**
   * A label that may come before its event (the labels topic): joined if its step is in the window, too late if
   * the step has recently left it, a duplicate if the step or a held label already has one, otherwise held for
   * the event ({@link LabelOutcome#HELD}). Labels held longer than the hold time are given up first; holding
   * this one may push the oldest out. The caller writes the state back (it changed unless the outcome is
   * {@link LabelOutcome#NO_WINDOW} and nothing was given up).
   *
   * @param target (K) the head's target vector; copied
   * @param now    the host's clock (ms): the service uses stream time, so that a stalled or restarted service
   *               does not give up labels whose events are still on their way
   * @param origin what the host needs to report this label should it be given up (kept with it); may be null
   */
  public Result offer(String entityId, EntityState state, String eventId, float[] target, long now, byte[] origin) {
    List<HeldLabel> givenUp = expire(state, now);
    if (!state.hasWindow()) {
      return new Result(LabelOutcome.NO_WINDOW, null, givenUp);
    }
    long step = state.findStep(eventId);
    if (step != EntityState.NO_STEP) {
      if (state.isLabelled(step)) {
        return new Result(LabelOutcome.DUPLICATE, null, givenUp);
      }
      return new Result(LabelOutcome.MATCHED, example(entityId, state, step, eventId, target), givenUp);
    }
    if (state.departedRecently(eventId)) {
      return new Result(LabelOutcome.EXPIRED, null, givenUp);
    }
    if (state.findHeld(eventId) >= 0) {
      return new Result(LabelOutcome.DUPLICATE, null, givenUp);
    }
    if (holding.maxPerEntity() == 0) {
      return new Result(LabelOutcome.UNMATCHED, null, givenUp);
    }
    if (state.heldCount() >= holding.maxPerEntity()) {
      givenUp = new ArrayList<>(givenUp);
      while (state.heldCount() >= holding.maxPerEntity()) {
        givenUp.add(state.removeHeld(0));
      }
    }
    state.hold(HeldLabel.of(eventId, target, now, origin));
    return new Result(LabelOutcome.HELD, null, givenUp);
  }

  /**
   * Right after the step of {@code eventId} (and before any inline label of the same event): joins the label held
   * for it, if any, then gives up the labels held longer than the hold time.
   */
  public AfterStep afterStep(String entityId, EntityState state, String eventId, long now) {
    if (state.heldCount() == 0) {
      return AfterStep.NOTHING;
    }
    HeldLabel joined = null;
    TrainingExample example = null;
    List<HeldLabel> givenUp = new ArrayList<>();
    int i = state.findHeld(eventId);
    if (i >= 0) {
      joined = state.removeHeld(i);
      long step = state.findStep(eventId);
      if (step != EntityState.NO_STEP && !state.isLabelled(step)) {
        example = example(entityId, state, step, eventId, joined.target());
      } else {
        // The step was not recorded (a window that restarts at a checkpoint-aligned step): it cannot be learned from.
        givenUp.add(joined);
      }
    }
    givenUp.addAll(expire(state, now));
    return new AfterStep(joined, example, givenUp);
  }

  /** Gives up the labels held longer than the hold time at {@code now} and returns them, oldest first. */
  public List<HeldLabel> expire(EntityState state, long now) {
    List<HeldLabel> out = null;
    for (int i = 0; i < state.heldCount(); ) {
      if (now - state.held(i).heldAt() > holding.maxAgeMillis()) {
        if (out == null) {
          out = new ArrayList<>();
        }
        out.add(state.removeHeld(i));
      } else {
        i++;
      }
    }
    return out == null ? List.of() : out;
  }

  /** When the entity's oldest held label is due to be given up (ms), or {@link Long#MAX_VALUE} when none is held. */
  public long nextExpiry(EntityState state) {
    long heldAt = state.earliestHeldAt();
    return heldAt == Long.MAX_VALUE ? Long.MAX_VALUE : heldAt + holding.maxAgeMillis();
  }

  /**
   * The example of a label that was joined already, made again from the window without changing it: for a send that
   * a crash may have lost under at-least-once delivery (the trainer drops it if it had it). Null when the step has
   * left the window or has no label joined.
   *
   * @param target       (K) the label's target vector
   * @param modelVersion the version that made the step's prediction
   */
  public TrainingExample rebuild(String entityId, EntityState state, String eventId, float[] target, long modelVersion) {
    if (!state.hasWindow()) {
      return null;
    }
    long step = state.findStep(eventId);
    if (step == EntityState.NO_STEP || !state.isLabelled(step)) {
      return null;
    }
    return example(entityId, state, step, eventId, target, modelVersion, false);
  }

  private TrainingExample example(String entityId, EntityState state, long step, String eventId, float[] target) {
    return example(entityId, state, step, eventId, target, state.modelVersion, true);
  }

  private TrainingExample example(String entityId, EntityState state, long step, String eventId, float[] target,
      long modelVersion, boolean markLabelled) {
    int d = state.inputSize();
    int k = state.outputSize();
    float[] prediction = new float[k];
    state.copyPrediction(step, prediction, 0);
    long start = state.windowStartFor(step, bpttSteps);
    int steps = (int) (step - start + 1);
    float[] h0 = new float[state.hiddenSize()];
    float[] c0 = new float[state.cellStateSize()];
    state.copyCheckpoint(start, h0, c0);
    float[] inputs = new float[steps * d];     // (T, D)
    for (int t = 0; t < steps; t++) {
      state.copyInput(start + t, inputs, t * d);
    }
    float[] targets = new float[steps * k];    // (T, K), only the last row labelled
    System.arraycopy(target, 0, targets, (steps - 1) * k, k);
    boolean[] mask = new boolean[steps];       // (T)
    mask[steps - 1] = true;
    if (markLabelled) {
      state.markLabelled(step);
    }
    return new TrainingExample(entityId, eventId, step, state.eventTime(step), modelVersion,
        steps, d, state.hiddenSize(), k, h0, c0, inputs, targets, mask, prediction);
  }
}
