package io.cellstream.learn;

import io.cellstream.state.TrainingExample;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The training examples the trainer has learned from, by (entity, step), so that one sent twice is learned from once:
 * under at-least-once delivery a crash makes the step send an example again (its send may have been lost), and the
 * trainer's own input comes again from its last commit. Bounded: the last {@code capacity} examples, a ring in the
 * trainer's store ({@link TrainerStore}) beside its parameters, so that it survives restarts and failovers with them.
 * Harmless under exactly-once, where nothing is delivered twice.
 *
 * <p>The key is the entity, the example's step and a 64-bit hash of its event id: a memory that started afresh (it was
 * unreadable) counts its steps from 0 again, with other events, and must not see its new examples dropped.
 *
 * <p>Store layout, every key under {@value #PREFIX}:
 * <pre>
 * dedup/next              long   ordinal of the next example remembered (8 bytes, big-endian)
 * dedup/e/STEP/HASH/ID    long   the ordinal it was remembered at
 * dedup/r/SLOT            UTF-8  the dedup/e key remembered at ordinal SLOT mod capacity (the ring, to forget the oldest)
 * </pre>
 *
 * <p>An entry counts only when its ordinal is below {@code dedup/next}, which {@link #remember} writes last, after the
 * trainer's own writes for the example: a store restored to any prefix of its writes (a changelog, or a record cache
 * flushed in the order of the last write per key, as Kafka Streams' is) never drops an example whose learning it
 * lost.
 */
public final class ExampleDedup {

  static final String PREFIX = "dedup/";
  static final String KEY_NEXT = PREFIX + "next";
  private static final String ENTRY = PREFIX + "e/";
  private static final String RING = PREFIX + "r/";

  private final TrainerStore store;
  private final int capacity;
  private long next;

  /** @param capacity examples remembered (0: none, every example is learned from) */
  public ExampleDedup(TrainerStore store, int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    }
    this.store = store;
    this.capacity = capacity;
    byte[] n = store.get(KEY_NEXT);
    this.next = n == null || n.length != 8 ? 0 : ByteBuffer.wrap(n).getLong();
  }

  public int capacity() {
    return capacity;
  }

  /** Examples remembered over the store's life (the newest {@link #capacity()} are kept). */
  public long remembered() {
    return next;
  }

  /** Whether the trainer has learned from this example (the same entity, step and event) among the last remembered. */
  public boolean seen(TrainingExample e) {
    if (capacity == 0) {
      return false;
    }
    byte[] v = store.get(entryKey(e));
    if (v == null || v.length != 8) {
      return false;
    }
    long ordinal = ByteBuffer.wrap(v).getLong();
    return ordinal < next && ordinal >= next - capacity;
  }

  /** Remembers an example the trainer has just learned from; forgets the oldest beyond the capacity. */
  public void remember(TrainingExample e) {
    if (capacity == 0) {
      return;
    }
    String key = entryKey(e);
    String slot = RING + (next % capacity);
    byte[] evicted = store.get(slot);
    if (evicted != null) {
      String old = new String(evicted, StandardCharsets.UTF_8);
      byte[] at = store.get(old);
      // Still the entry of the example that took this slot capacity examples ago (not remembered again since).
      if (at != null && at.length == 8 && ByteBuffer.wrap(at).getLong() == next - capacity) {
        store.delete(old);
      }
    }
    store.put(key, ByteBuffer.allocate(8).putLong(next).array());
    store.put(slot, key.getBytes(StandardCharsets.UTF_8));
    next++;
    store.put(KEY_NEXT, ByteBuffer.allocate(8).putLong(next).array());
  }

  static String entryKey(TrainingExample e) {
    return ENTRY + e.labelledStep() + "/" + Long.toHexString(fnv1a64(e.eventId().getBytes(StandardCharsets.UTF_8)))
        + "/" + e.entityId();
  }

  private static long fnv1a64(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
