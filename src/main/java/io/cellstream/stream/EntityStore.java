package io.cellstream.stream;

import io.cellstream.learn.LabelJoin;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import io.cellstream.state.HeldLabel;
import io.cellstream.state.StateFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entities' memories as the step and the label join read and write them (one per processor, on its task's
 * stores):
 *
 * <ul>
 *   <li>a memory that cannot be read starts afresh (counted, warned), not the service;</li>
 *   <li>a memory is written only as large as its changelog accepts ({@link RecordLimits#entityStateRecordBytes()},
 *       or {@code cellstream.state.max-bytes} if smaller): one that outgrew it loses its oldest window steps
 *       first (labels for them are then too late), then its oldest held labels; if even the bare memory does not
 *       fit, the record that made it is refused ({@link Fitted#fits()} false) and the stored memory stays;</li>
 *   <li>an index of when each entity's oldest held label is due (store {@value CellstreamTopology#HELD_LABELS_STORE},
 *       key = 8-byte big-endian time + entity id), so that a sweep finds the labels to give up without reading every
 *       memory.</li>
 * </ul>
 */
final class EntityStore {

  private static final Logger log = LoggerFactory.getLogger(EntityStore.class);

  /** A memory encoded to fit, with what had to go. */
  record Fitted(byte[] bytes, boolean fits, int stepsDropped, List<HeldLabel> heldDropped, int limit, int size) {}

  private final KeyValueStore<String, byte[]> states;
  private final KeyValueStore<Bytes, byte[]> deadlines;
  private final LabelJoin join;
  private final StreamMetrics metrics;
  private final Supplier<RecordLimits> limits;
  private final int configuredMaxBytes; // 0: the changelog's limit only
  private final EntityStateCodec codec = new EntityStateCodec();
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, 2);
  private long deadlineAtLoad = Long.MAX_VALUE;
  private boolean storedAtLoad;

  EntityStore(KeyValueStore<String, byte[]> states, KeyValueStore<Bytes, byte[]> deadlines, LabelJoin join,
      StreamMetrics metrics, Supplier<RecordLimits> limits, int configuredMaxBytes) {
    this.states = states;
    this.deadlines = deadlines;
    this.join = join;
    this.metrics = metrics;
    this.limits = limits;
    this.configuredMaxBytes = configuredMaxBytes;
  }

  /** Reads the memory of {@code entityId} into {@code into}; false (and {@code into} reset) if it has none. */
  boolean load(String entityId, EntityState into) {
    byte[] stored = states.get(entityId);
    storedAtLoad = stored != null;
    if (stored == null) {
      into.reset();
      deadlineAtLoad = Long.MAX_VALUE;
      return false;
    }
    try {
      codec.decode(stored, into);
    } catch (StateFormatException e) {
      // Not the record's fault: the stored memory is unreadable (damaged, or from a model of another shape).
      // Start the entity afresh rather than stop the service; say so.
      metrics.stateUnreadable();
      warnings.warn(0, "memory of entity '" + entityId + "' is unreadable and starts afresh: " + e.getMessage());
      into.reset();
    }
    deadlineAtLoad = join.nextExpiry(into);
    return true;
  }

  /** The most bytes the memory of {@code entityId} may take. */
  int limit(String entityId) {
    int changelog = limits.get().entityStateRecordBytes() - RecordLimits.recordSize(
        entityId.getBytes(StandardCharsets.UTF_8), new byte[0], null);
    return configuredMaxBytes > 0 ? Math.min(configuredMaxBytes, changelog) : changelog;
  }

  /** Encodes {@code state}, first dropping what must go for it to fit (see the class comment). */
  Fitted fit(String entityId, EntityState state) {
    int limit = limit(entityId);
    int size = EntityStateCodec.encodedSize(state);
    int original = size;
    int steps = 0;
    List<HeldLabel> held = List.of();
    while (size > limit) {
      int before = state.windowCount();
      if (state.dropOldestSteps()) {
        steps += before - state.windowCount();
      } else if (state.heldCount() > 0) {
        if (held.isEmpty()) {
          held = new ArrayList<>();
        }
        held.add(state.removeHeld(0));
      } else {
        return new Fitted(null, false, steps, held, limit, size);
      }
      size = EntityStateCodec.encodedSize(state);
    }
    if (steps > 0 || !held.isEmpty()) {
      metrics.stateTrimmed();
      warnings.warn(1, "memory of entity '" + entityId + "' grew to " + original + " bytes, over its limit of " + limit
          + " (the entity-state changelog's, or cellstream.state.max-bytes): dropped its " + steps
          + " oldest window steps and " + held.size() + " held labels; its h and c are kept");
    }
    return new Fitted(codec.encode(state), true, steps, held, limit, size);
  }

  /**
   * Writes what {@link #fit} made (or deletes an empty memory) and keeps the deadline index right: the new deadline
   * before the memory, the old one dropped after it, so that wherever a crash cuts the writes of at-least-once
   * processing short, every memory's deadline is in the index (an entry that is stale the sweep drops).
   */
  void write(String entityId, EntityState state, Fitted fitted) {
    long after = state.isEmpty() ? Long.MAX_VALUE : join.nextExpiry(state);
    boolean moved = after != deadlineAtLoad;
    if (moved && after != Long.MAX_VALUE) {
      deadlines.put(deadlineKey(after, entityId), new byte[0]);
    }
    if (state.isEmpty()) {
      if (storedAtLoad) {
        states.delete(entityId); // a memory that only held labels, all given up
      }
    } else {
      states.put(entityId, fitted.bytes());
    }
    if (moved) {
      if (deadlineAtLoad != Long.MAX_VALUE) {
        deadlines.delete(deadlineKey(deadlineAtLoad, entityId));
      }
      deadlineAtLoad = after;
    }
  }

  /** One due entry of the deadline index. */
  record Due(Bytes key, long deadline, String entityId) {}

  /** Up to {@code max} entries of the index due before {@code now}, earliest first. */
  List<Due> due(long now, int max) {
    List<Due> out = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = deadlines.range(Bytes.wrap(new byte[8]),
        Bytes.wrap(ByteBuffer.allocate(8).putLong(now).array()))) {
      while (it.hasNext() && out.size() < max) {
        Bytes key = it.next().key;
        byte[] k = key.get();
        if (k.length < 8) {
          continue;
        }
        long deadline = ByteBuffer.wrap(k, 0, 8).getLong();
        if (deadline >= now) {
          break;
        }
        out.add(new Due(key, deadline, new String(k, 8, k.length - 8, StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  /**
   * Drops an index entry that does not describe the entity's memory as loaded (written by a memory that was later
   * found unreadable, say): the memory's own deadline is what {@link #write} keeps.
   */
  void forgetStale(Due due) {
    if (due.deadline() != deadlineAtLoad) {
      deadlines.delete(due.key());
    }
  }

  static Bytes deadlineKey(long deadline, String entityId) {
    byte[] id = entityId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(deadline).put(id).array());
  }
}
