package io.cellstream.eval;

/**
 * One entity's most recent steps, what a late label needs to become a training example: per step the
 * event id, the inputs (D floats) and a checkpoint of the recurrent state before the step (C floats; 0
 * for models without state). Fixed capacity; the oldest step is overwritten.
 */
final class EntityRing {

  final int capacity;
  final int d;
  final int c;
  private final String[] ids;
  private final float[] xs;          // (capacity, D)
  private final float[] checkpoints; // (capacity, C)
  private long steps;                // steps pushed ever

  EntityRing(int capacity, int d, int c) {
    this.capacity = capacity;
    this.d = d;
    this.c = c;
    ids = new String[capacity];
    xs = new float[capacity * d];
    checkpoints = new float[capacity * c];
  }

  /** Records the next step; returns its step index. */
  long push(String eventId, float[] x, float[] checkpoint) {
    int s = slot(steps);
    ids[s] = eventId;
    System.arraycopy(x, 0, xs, s * d, d);
    if (c > 0) {
      System.arraycopy(checkpoint, 0, checkpoints, s * c, c);
    }
    return steps++;
  }

  /** The step index of {@code eventId} if still in the ring (newest first), else −1. */
  long find(String eventId) {
    for (long step = steps - 1; step >= oldest(); step--) {
      if (eventId.equals(ids[slot(step)])) {
        return step;
      }
    }
    return -1;
  }

  /** Index of the oldest step still held. */
  long oldest() {
    return Math.max(0, steps - capacity);
  }

  long steps() {
    return steps;
  }

  void copyInputs(long step, float[] dst, int off) {
    System.arraycopy(xs, slot(step) * d, dst, off, d);
  }

  void copyCheckpoint(long step, float[] dst, int off) {
    System.arraycopy(checkpoints, slot(step) * c, dst, off, c);
  }

  private int slot(long step) {
    return (int) (step % capacity);
  }
}
