package io.cellstream.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One entity's memory: the LSTM state (h, c) after its last event, a few counters, the quantised gate
 * activations of its last step, and — when labels are expected — a window of its recent steps so that a
 * label arriving later can become a truncated-BPTT example.
 *
 * <p>The window holds, per step: event id, event time, input x (D) and the prediction made (K). It also
 * holds checkpoints: (h, c) <em>before</em> every step whose absolute index is a multiple of the checkpoint
 * interval k. The window always starts at a checkpoint, so every step in it can be reached by replaying the
 * inputs forward from a stored (h, c). It keeps at least {@code windowSteps} steps (once that many were seen)
 * and drops whole blocks of k steps from the front, so it holds between W and W + k − 1 steps.
 *
 * <p>Two more things serve labels that do not arrive in order. Labels that came <em>before</em> their event are
 * held here ({@link HeldLabel}; how many and for how long is the label join's policy) and joined when the event
 * arrives. And the ids of the W + k steps that most recently left the window are remembered as 64-bit hashes, so
 * that a label for one of them is recognised as too late at once rather than held for an event that has passed.
 *
 * <p>Two more things since format 3: the input position of the last event applied (and, when asked, the last R
 * predictions), so that at-least-once delivery can apply each event to the memory once and emit its prediction
 * again unchanged; and the input layer's own per-entity memory (an opaque byte string).
 *
 * <p>Sizes: inference-only (W = 0) is 2H floats + K floats + 3H bytes + ~110 bytes; with a window, add
 * (W + k) · (4D + 4K + 21 + |eventId|) bytes plus ⌈(W + k)/k⌉ · 8H bytes of checkpoints, per held label
 * 18 + |eventId| + 4K + |origin| bytes, per kept prediction 32 + 4K bytes, plus the feature memory.
 *
 * <p>Mutable and reused: the step processor decodes into one instance per task, mutates it, encodes it.
 */
public final class EntityState {

  /** Absolute step index meaning "no such step". */
  public static final long NO_STEP = -1;

  private final int inputSize;        // D
  private final int hiddenSize;       // |h| (H for the LSTM and the RNN, 0 for a cell without memory)
  private final int cellSize;         // |c| (H for the LSTM, 0 for cells without a cell state)
  private final int outputSize;       // K
  private final int windowSteps;      // W: steps a label may look back (0 = inference only)
  private final int checkpointEvery;  // k: a checkpoint of (h, c) before every k-th step

  public final float[] h;             // (|h|) hidden state after the last step
  public final float[] c;             // (|c|) cell state after the last step
  public final float[] lastOutputs;   // (K) head output of the last step
  public final byte[] gates;          // (3H) last step's i, f, o gates quantised to 0..255 (i at 0, f at H, o at 2H)
  public boolean hasGates;
  public long eventsSeen;             // steps taken; the next step's absolute index
  public long modelVersion;           // version of the model that made the last step
  public long lastEventTime;          // event time of the last step (ms)

  // Window, oldest first. Capacity W + k so that the front block is dropped only when a full one is complete.
  private final int capacity;         // W + k (0 when W = 0)
  private int count;                  // steps in the window
  private long firstStep;             // absolute index of window step 0
  private final byte[][] eventIds;    // (capacity) UTF-8: kept as bytes so the codec never decodes or encodes text
  private final long[] eventTimes;    // (capacity)
  private final float[] inputs;       // (capacity, D)
  private final float[] predictions;  // (capacity, K)
  private final boolean[] labelled;   // (capacity) a label for this step was already turned into an example
  private final float[] checkpoints;  // (capacity / k + 1, |h| + |c|): [h | c] before steps firstStep, firstStep + k, ...
  // FNV-1a hashes of the ids of the steps that left the window most recently: a ring of `capacity`, oldest first
  // from departedStart.
  private final long[] departed;      // (capacity)
  private int departedCount;
  private int departedStart;
  private final List<HeldLabel> held = new ArrayList<>(); // oldest first

  // Delivery (format 3). Where the last event applied to this memory came from, so that an event delivered again
  // (at-least-once delivery after a crash) is recognised and does not advance the memory twice; and the last R
  // predictions made, so that such an event's prediction can be emitted again with the same content.
  public int inputPartition = -1;     // partition of the input topic of the last applied event (-1: none recorded)
  public long inputOffset = -1;       // its offset
  // The same for labels (format 4): the labels topic's partition and offset of the last label applied to this memory
  // (held, joined, or refused), so that a label delivered again is told apart from a second label for the same event.
  public int labelPartition = -1;
  public long labelOffset = -1;
  private int emissionCapacity;       // R (0: nothing kept, the default)
  private long[] emissionMeta = new long[0];      // (R, 4): input offset, model version, prediction time, eventsSeen after the step
  private float[] emissionOutputs = new float[0]; // (R, K) the head's outputs
  private int emissionCount;
  private int emissionStart;          // ring: oldest at emissionStart

  // Feature memory (format 3): what the input layer keeps per entity between events (e.g. the time of the previous
  // event, the last known target). Opaque here: the input layer owns its layout and versions it itself.
  private byte[] featureMemory = NO_BYTES;
  private static final byte[] NO_BYTES = new byte[0];

  /** The state of an LSTM entity: h and c of H floats each. */
  public EntityState(int inputSize, int hiddenSize, int outputSize, int windowSteps, int checkpointEvery) {
    this(inputSize, hiddenSize, hiddenSize, outputSize, windowSteps, checkpointEvery);
    if (hiddenSize < 1) {
      throw new IllegalArgumentException("hidden size must be >= 1, got " + hiddenSize);
    }
  }

  /**
   * The state of an entity of any cell (see {@code io.cellstream.learn.Cell}): h of {@code hiddenSize} and c
   * of {@code cellSize} floats (either may be 0).
   */
  public EntityState(int inputSize, int hiddenSize, int cellSize, int outputSize, int windowSteps, int checkpointEvery) {
    if (inputSize < 1 || outputSize < 1 || hiddenSize < 0 || cellSize < 0) {
      throw new IllegalArgumentException("sizes must be D, K >= 1 and |h|, |c| >= 0: D=" + inputSize + " |h|=" + hiddenSize
          + " |c|=" + cellSize + " K=" + outputSize);
    }
    if (windowSteps < 0) {
      throw new IllegalArgumentException("window steps must be >= 0, got " + windowSteps);
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1, got " + checkpointEvery);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.cellSize = cellSize;
    this.outputSize = outputSize;
    this.windowSteps = windowSteps;
    this.checkpointEvery = checkpointEvery;
    this.h = new float[hiddenSize];
    this.c = new float[cellSize];
    this.lastOutputs = new float[outputSize];
    this.gates = new byte[3 * hiddenSize];
    this.capacity = windowSteps == 0 ? 0 : windowSteps + checkpointEvery;
    this.eventIds = new byte[capacity][];
    this.eventTimes = new long[capacity];
    this.inputs = new float[capacity * inputSize];
    this.predictions = new float[capacity * outputSize];
    this.labelled = new boolean[capacity];
    this.checkpoints = new float[(capacity == 0 ? 0 : capacity / checkpointEvery + 1) * (hiddenSize + cellSize)];
    this.departed = new long[capacity];
  }

  /** Forgets everything: a new entity. */
  public void reset() {
    Arrays.fill(h, 0f);
    Arrays.fill(c, 0f);
    Arrays.fill(lastOutputs, 0f);
    Arrays.fill(gates, (byte) 0);
    hasGates = false;
    eventsSeen = 0;
    modelVersion = 0;
    lastEventTime = 0;
    count = 0;
    firstStep = 0;
    Arrays.fill(eventIds, null);
    departedCount = 0;
    departedStart = 0;
    held.clear();
    inputPartition = -1;
    inputOffset = -1;
    labelPartition = -1;
    labelOffset = -1;
    emissionCount = 0;
    emissionStart = 0;
    featureMemory = NO_BYTES;
  }

  /**
   * Whether the event at ({@code partition}, {@code offset}) of the input topic was applied to this memory already:
   * it is on the partition of the last one applied, at or before its offset (a partition is read in offset order).
   */
  public boolean appliedEvent(int partition, long offset) {
    return partition == inputPartition && offset <= inputOffset;
  }

  /** The same for a label at ({@code partition}, {@code offset}) of the labels topic. */
  public boolean appliedLabel(int partition, long offset) {
    return partition == labelPartition && offset <= labelOffset;
  }

  /** Nothing worth keeping: no step taken and no label held (a state that only held labels, all given up). */
  public boolean isEmpty() {
    return eventsSeen == 0 && held.isEmpty();
  }

  public int inputSize() {
    return inputSize;
  }

  /** |h|: H for the LSTM. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** |c|: H for the LSTM, 0 for cells without a cell state. */
  public int cellStateSize() {
    return cellSize;
  }

  public int outputSize() {
    return outputSize;
  }

  public int windowSteps() {
    return windowSteps;
  }

  public int checkpointEvery() {
    return checkpointEvery;
  }

  public boolean hasWindow() {
    return capacity > 0;
  }

  // ---------------------------------------------------------------- the step

  /**
   * Records the start of a step before the LSTM runs: saves a checkpoint of (h, c) if this step's index is
   * a multiple of k, and appends the input. Call {@link #endStep} after the step. No-op without a window.
   */
  public void beginStep(String eventId, long eventTime, float[] x, int xOffset) {
    if (capacity == 0) {
      return;
    }
    long step = eventsSeen;
    if (count == 0) {
      // An empty window starts at the next checkpoint-aligned step only: steps before it cannot be replayed.
      if (step % checkpointEvery != 0) {
        return;
      }
      firstStep = step;
    }
    if (step % checkpointEvery == 0) {
      int slot = (int) ((step - firstStep) / checkpointEvery);
      int at = slot * (hiddenSize + cellSize);
      System.arraycopy(h, 0, checkpoints, at, hiddenSize);
      System.arraycopy(c, 0, checkpoints, at + hiddenSize, cellSize);
    }
    int i = count++;
    eventIds[i] = eventId.getBytes(StandardCharsets.UTF_8);
    eventTimes[i] = eventTime;
    System.arraycopy(x, xOffset, inputs, i * inputSize, inputSize);
    labelled[i] = false;
  }

  /**
   * Finishes a step: h and c already hold the new state; stores the prediction and the gates, advances the
   * counters and drops the oldest block of the window once the rest still covers W steps.
   *
   * @param outputs (K) the head's output for this step
   * @param gateActivations (4H) i, f, g, o after their nonlinearity, or null to keep none
   */
  public void endStep(float[] outputs, float[] gateActivations, long modelVersion, long eventTime) {
    System.arraycopy(outputs, 0, lastOutputs, 0, outputSize);
    if (gateActivations != null) {
      quantiseGates(gateActivations);
    }
    if (capacity > 0 && count > 0 && firstStep + count - 1 == eventsSeen) {
      System.arraycopy(outputs, 0, predictions, (count - 1) * outputSize, outputSize);
    }
    this.modelVersion = modelVersion;
    this.lastEventTime = eventTime;
    eventsSeen++;
    // Drop the front block when the steps after it still cover W, keeping the window checkpoint-aligned.
    if (capacity > 0 && count - checkpointEvery >= windowSteps) {
      dropFrontBlock();
    }
  }

  private void quantiseGates(float[] act) {
    int hs = hiddenSize;
    for (int j = 0; j < hs; j++) {
      gates[j] = quantise(act[j]);               // i
      gates[hs + j] = quantise(act[hs + j]);     // f
      gates[2 * hs + j] = quantise(act[3 * hs + j]); // o (g at 2H..3H is skipped)
    }
    hasGates = true;
  }

  private static byte quantise(float v) {
    int q = Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    return (byte) q;
  }

  /** Gate value for reading back: gate 0 = input, 1 = forget, 2 = output; unit j. */
  public float gate(int gate, int unit) {
    return (gates[gate * hiddenSize + unit] & 0xff) / 255f;
  }

  private void dropFrontBlock() {
    int k = Math.min(checkpointEvery, count);
    int keep = count - k;
    for (int i = 0; i < k; i++) {
      rememberDeparted(eventIds[i]);
    }
    System.arraycopy(eventIds, k, eventIds, 0, keep);
    Arrays.fill(eventIds, keep, count, null);
    System.arraycopy(eventTimes, k, eventTimes, 0, keep);
    System.arraycopy(inputs, k * inputSize, inputs, 0, keep * inputSize);
    System.arraycopy(predictions, k * outputSize, predictions, 0, keep * outputSize);
    System.arraycopy(labelled, k, labelled, 0, keep);
    int blocks = checkpointCount();
    int slot = hiddenSize + cellSize;
    System.arraycopy(checkpoints, slot, checkpoints, 0, (blocks - 1) * slot);
    count = keep;
    firstStep += k;
  }

  /**
   * Drops the oldest block of k steps from the window (all of it if it holds fewer), even below W: for a state
   * that has outgrown what its store accepts. Labels for the dropped steps then count as too late, as for any
   * step that left the window. Returns false if the window was empty.
   */
  public boolean dropOldestSteps() {
    if (count == 0) {
      return false;
    }
    dropFrontBlock();
    return true;
  }

  private void rememberDeparted(byte[] eventId) {
    pushDeparted(fnv1a64(eventId));
  }

  /** Appends a hash to the ring, newest last; the oldest falls out when it is full. */
  private void pushDeparted(long hash) {
    if (departed.length == 0) {
      return;
    }
    if (departedCount < departed.length) {
      departed[(departedStart + departedCount++) % departed.length] = hash;
    } else {
      departed[departedStart] = hash;
      departedStart = (departedStart + 1) % departed.length;
    }
  }

  /**
   * Whether a step with this event id left the window recently (among the last W + k that left): a label for it
   * is too late. A 64-bit hash: a false match is about 1 in 10^17 per remembered id.
   */
  public boolean departedRecently(String eventId) {
    long hash = fnv1a64(eventId.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < departedCount; i++) {
      if (departed[(departedStart + i) % departed.length] == hash) {
        return true;
      }
    }
    return false;
  }

  static long fnv1a64(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  // ---------------------------------------------------------------- labels held for their event

  /** Labels held for an event that has not come yet, oldest first. */
  public int heldCount() {
    return held.size();
  }

  public HeldLabel held(int i) {
    return held.get(i);
  }

  /** Holds a label (newest last); the caller keeps the count within its bound. */
  public void hold(HeldLabel label) {
    held.add(label);
  }

  public HeldLabel removeHeld(int i) {
    return held.remove(i);
  }

  /** Index of the held label for this event id, or -1. */
  public int findHeld(String eventId) {
    byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < held.size(); i++) {
      if (Arrays.equals(id, held.get(i).eventId())) {
        return i;
      }
    }
    return -1;
  }

  /** The earliest time a label was held at, or {@link Long#MAX_VALUE} when none is held. */
  public long earliestHeldAt() {
    long t = Long.MAX_VALUE;
    for (HeldLabel l : held) {
      t = Math.min(t, l.heldAt());
    }
    return t;
  }

  // ---------------------------------------------------------------- the window, for labels

  /** Steps in the window. */
  public int windowCount() {
    return count;
  }

  /** Absolute index of the oldest step in the window. */
  public long firstStep() {
    return firstStep;
  }

  /** Checkpoints in the window: one before each step firstStep + j·k that is in the window. */
  public int checkpointCount() {
    return count == 0 ? 0 : (count - 1) / checkpointEvery + 1;
  }

  /** Absolute index of the newest window step with this event id, or {@link #NO_STEP}. Newest first: ids may repeat. */
  public long findStep(String eventId) {
    byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
    for (int i = count - 1; i >= 0; i--) {
      if (Arrays.equals(id, eventIds[i])) {
        return firstStep + i;
      }
    }
    return NO_STEP;
  }

  private int index(long step) {
    long i = step - firstStep;
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("step " + step + " not in window [" + firstStep + ", " + (firstStep + count) + ")");
    }
    return (int) i;
  }

  public String eventId(long step) {
    return new String(eventIds[index(step)], StandardCharsets.UTF_8);
  }

  public long eventTime(long step) {
    return eventTimes[index(step)];
  }

  public boolean isLabelled(long step) {
    return labelled[index(step)];
  }

  public void markLabelled(long step) {
    labelled[index(step)] = true;
  }

  /** Copies the input of {@code step} (D) into {@code dst} at {@code offset}. */
  public void copyInput(long step, float[] dst, int offset) {
    System.arraycopy(inputs, index(step) * inputSize, dst, offset, inputSize);
  }

  /** Copies the prediction made at {@code step} (K) into {@code dst}. */
  public void copyPrediction(long step, float[] dst, int offset) {
    System.arraycopy(predictions, index(step) * outputSize, dst, offset, outputSize);
  }

  /**
   * Where a BPTT window of about {@code bpttSteps} steps ending at {@code step} should start: the newest
   * checkpoint at or before {@code step − bpttSteps + 1}, or the oldest checkpoint if the label came so late
   * that the window holds fewer steps. The window then runs from that checkpoint to {@code step}.
   */
  public long windowStartFor(long step, int bpttSteps) {
    index(step); // bounds check
    long wanted = step - bpttSteps + 1;
    if (wanted <= firstStep) {
      return firstStep;
    }
    long k = checkpointEvery;
    return firstStep + ((wanted - firstStep) / k) * k;
  }

  /** Copies (h, c) before {@code checkpointStep} into {@code h0} (|h|) and {@code c0} (|c|). */
  public void copyCheckpoint(long checkpointStep, float[] h0, float[] c0) {
    int i = index(checkpointStep);
    if (i % checkpointEvery != 0) {
      throw new IllegalArgumentException("step " + checkpointStep + " has no checkpoint (every " + checkpointEvery + ")");
    }
    int at = i / checkpointEvery * (hiddenSize + cellSize);
    System.arraycopy(checkpoints, at, h0, 0, hiddenSize);
    System.arraycopy(checkpoints, at + hiddenSize, c0, 0, cellSize);
  }

  // ---------------------------------------------------------------- delivery: the input position and recent predictions

  /** Keeps the last {@code r} predictions for re-emission (0 keeps none). Forgets those kept so far. */
  public void keepEmissions(int r) {
    if (r < 0) {
      throw new IllegalArgumentException("emissions kept must be >= 0, got " + r);
    }
    emissionCapacity = r;
    emissionMeta = new long[4 * r];
    emissionOutputs = new float[r * outputSize];
    emissionCount = 0;
    emissionStart = 0;
  }

  /** R: how many of the last predictions are kept. */
  public int emissionCapacity() {
    return emissionCapacity;
  }

  /** Predictions kept, at most R. */
  public int emissionCount() {
    return emissionCount;
  }

  /**
   * Remembers a prediction made for the event at {@code inputOffset} (newest last; the oldest falls out when R are
   * kept). No-op when R = 0.
   *
   * @param outputs (K) the head's outputs
   */
  public void recordEmission(long inputOffset, long modelVersion, long predictionTime, long eventsSeenAfter, float[] outputs) {
    if (emissionCapacity == 0) {
      return;
    }
    int slot;
    if (emissionCount < emissionCapacity) {
      slot = (emissionStart + emissionCount++) % emissionCapacity;
    } else {
      slot = emissionStart;
      emissionStart = (emissionStart + 1) % emissionCapacity;
    }
    emissionMeta[4 * slot] = inputOffset;
    emissionMeta[4 * slot + 1] = modelVersion;
    emissionMeta[4 * slot + 2] = predictionTime;
    emissionMeta[4 * slot + 3] = eventsSeenAfter;
    System.arraycopy(outputs, 0, emissionOutputs, slot * outputSize, outputSize);
  }

  /** The input offset of the oldest prediction kept, or -1 when none is kept. */
  public long oldestEmissionOffset() {
    return emissionCount == 0 ? -1 : emissionInputOffset(0);
  }

  /** Index (0 = oldest kept) of the prediction kept for the event at this input offset, or -1. */
  public int findEmission(long inputOffset) {
    for (int i = emissionCount - 1; i >= 0; i--) {
      if (emissionMeta[4 * emissionSlot(i)] == inputOffset) {
        return i;
      }
    }
    return -1;
  }

  private int emissionSlot(int i) {
    if (i < 0 || i >= emissionCount) {
      throw new IndexOutOfBoundsException("emission " + i + " of " + emissionCount);
    }
    return (emissionStart + i) % emissionCapacity;
  }

  public long emissionInputOffset(int i) {
    return emissionMeta[4 * emissionSlot(i)];
  }

  public long emissionModelVersion(int i) {
    return emissionMeta[4 * emissionSlot(i) + 1];
  }

  public long emissionPredictionTime(int i) {
    return emissionMeta[4 * emissionSlot(i) + 2];
  }

  /** The entity's step count after the step that made this prediction. */
  public long emissionEventsSeen(int i) {
    return emissionMeta[4 * emissionSlot(i) + 3];
  }

  /** Copies the outputs (K) of the i-th kept prediction into {@code dst}. */
  public void copyEmissionOutputs(int i, float[] dst) {
    System.arraycopy(emissionOutputs, emissionSlot(i) * outputSize, dst, 0, outputSize);
  }

  // ---------------------------------------------------------------- feature memory

  /** The input layer's per-entity memory: empty for a new entity. Not copied: do not modify it. */
  public byte[] featureMemory() {
    return featureMemory;
  }

  /** Replaces the input layer's per-entity memory (kept as given, not copied). */
  public void setFeatureMemory(byte[] memory) {
    this.featureMemory = memory == null ? NO_BYTES : memory;
  }

  // ---------------------------------------------------------------- for the codec

  byte[] rawEventId(int i) {
    return eventIds[i];
  }

  long rawEventTime(int i) {
    return eventTimes[i];
  }

  boolean rawLabelled(int i) {
    return labelled[i];
  }

  float[] rawInputs() {
    return inputs;
  }

  float[] rawPredictions() {
    return predictions;
  }

  float[] rawCheckpoints() {
    return checkpoints;
  }

  int capacity() {
    return capacity;
  }

  /** Restores the window's bookkeeping; arrays are filled by the codec. */
  void restoreWindow(long firstStep, int count) {
    this.firstStep = firstStep;
    this.count = count;
  }

  int departedCount() {
    return departedCount;
  }

  /** The i-th remembered hash, oldest first. */
  long departedHash(int i) {
    return departed[(departedStart + i) % departed.length];
  }

  /** Appends a remembered hash as the codec reads it (oldest first); the oldest fall out when full. */
  void restoreDeparted(long hash) {
    pushDeparted(hash);
  }

  List<HeldLabel> heldLabels() {
    return held;
  }

  void setRaw(int i, byte[] eventId, long eventTime, boolean isLabelled) {
    eventIds[i] = eventId;
    eventTimes[i] = eventTime;
    labelled[i] = isLabelled;
  }
}
