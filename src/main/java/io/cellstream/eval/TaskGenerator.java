package io.cellstream.eval;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A seeded, deterministic stream of one task's events for many interleaved entities, with inline or
 * delayed labels. Every call of {@link #iterator()} starts the very same stream again from the beginning,
 * so several consumers (one per model, one per thread) can each read their own copy.
 *
 * <p>Create one with {@link LongLagTask}, {@link AddingTask}, {@link ReberTask} or {@link Tasks#create}.
 */
public final class TaskGenerator implements Iterable<StreamRecord> {

  private final TaskInfo info;
  private final StreamConfig config;
  private final EntityProcess.Factory factory;

  public TaskGenerator(TaskInfo info, StreamConfig config, EntityProcess.Factory factory) {
    this.info = info;
    this.config = config;
    this.factory = factory;
  }

  public TaskInfo info() {
    return info;
  }

  public StreamConfig config() {
    return config;
  }

  /** The same task with another stream config (entities, events, seed, labels …). */
  public TaskGenerator withConfig(StreamConfig c) {
    return new TaskGenerator(info, c, factory);
  }

  /** A fresh pass over the stream, from its first record. */
  @Override
  public Iterator<StreamRecord> iterator() {
    return new Interleaver(config, factory);
  }

  /** A fresh pass over the stream as a sequential {@link Stream}. */
  public Stream<StreamRecord> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), 0), false);
  }

  /** The whole stream in memory (for tests and small runs). */
  public List<StreamRecord> toList() {
    List<StreamRecord> all = new ArrayList<>();
    iterator().forEachRemaining(all::add);
    return all;
  }

  /** SplitMix64's finaliser: decorrelates seeds derived from one another. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Interleaves the entities' processes into one stream and schedules delayed labels. */
  private static final class Interleaver implements Iterator<StreamRecord> {

    private record Pending(long dueStep, long order, String entityId, String eventId, float target) {}

    private final StreamConfig cfg;
    private final EntityProcess[] processes;
    private final String[] ids;
    private final long[] steps;                 // events emitted so far, per entity
    private final ArrayDeque<Pending>[] delayed; // per entity, due steps increasing
    private final SplittableRandom scheduler;
    private final SplittableRandom clock;
    private final SplittableRandom labelDice;
    private final ArrayDeque<StreamRecord> out = new ArrayDeque<>();
    private final int[] round;
    private int roundPos;
    private long emitted;
    private long time;
    private long pendingOrder;
    private long pendingCount;

    @SuppressWarnings("unchecked")
    Interleaver(StreamConfig cfg, EntityProcess.Factory factory) {
      this.cfg = cfg;
      int n = cfg.entities();
      processes = new EntityProcess[n];
      ids = new String[n];
      steps = new long[n];
      delayed = new ArrayDeque[n];
      for (int i = 0; i < n; i++) {
        ids[i] = StreamConfig.entityId(i);
        processes[i] = factory.create(i, new SplittableRandom(mix(cfg.seed() * 0x9e3779b97f4a7c15L + i + 1)));
        delayed[i] = new ArrayDeque<>();
      }
      scheduler = new SplittableRandom(mix(cfg.seed() ^ 0x5ced5ced5ced5cedL));
      clock = new SplittableRandom(mix(cfg.seed() ^ 0x7173717371737173L));
      labelDice = new SplittableRandom(mix(cfg.seed() ^ 0x1abe11abe11abe1L));
      round = new int[n];
      for (int i = 0; i < n; i++) {
        round[i] = i;
      }
      roundPos = n; // start a new round at the first pick
      time = cfg.startTimeMillis();
    }

    @Override
    public boolean hasNext() {
      fill();
      return !out.isEmpty();
    }

    @Override
    public StreamRecord next() {
      fill();
      StreamRecord r = out.poll();
      if (r == null) {
        throw new NoSuchElementException();
      }
      return r;
    }

    private void fill() {
      while (out.isEmpty()) {
        if (emitted < cfg.events()) {
          emitOne();
        } else if (pendingCount > 0) {
          flushPending();
        } else {
          return;
        }
      }
    }

    private int pick() {
      int n = processes.length;
      return switch (cfg.interleaving()) {
        case RANDOM -> scheduler.nextInt(n);
        case ROUND_ROBIN -> (int) (emitted % n);
        case SHUFFLED_ROUNDS -> {
          if (roundPos == n) {
            for (int i = n - 1; i > 0; i--) { // Fisher–Yates
              int j = scheduler.nextInt(i + 1);
              int t = round[i];
              round[i] = round[j];
              round[j] = t;
            }
            roundPos = 0;
          }
          yield round[roundPos++];
        }
      };
    }

    private void tick() {
      int mean = cfg.meanGapMillis();
      time += mean == 1 ? 1 : 1 + clock.nextInt(2 * mean - 1);
    }

    private void emitOne() {
      int e = pick();
      EntityProcess.Step s = processes[e].next();
      long step = steps[e]++;
      emitted++;
      tick();
      String eventId = ids[e] + ":" + step;
      boolean labelled = !Float.isNaN(s.target());
      LabelMode mode = LabelMode.NONE;
      if (labelled) {
        double u = labelDice.nextDouble(); // drawn for every labelled event, whatever the policy
        mode = u < cfg.labels().delayedFraction() ? LabelMode.DELAYED : LabelMode.INLINE;
      }
      out.add(new TaskEvent(ids[e], eventId, time, s.features(), mode == LabelMode.INLINE ? s.target() : null,
          mode, s.role(), s.sequence(), s.position(), s.length(), s.legalMask()));
      if (mode == LabelMode.DELAYED) {
        delayed[e].add(new Pending(step + cfg.labels().delaySteps(), pendingOrder++, ids[e], eventId, s.target()));
        pendingCount++;
      }
      ArrayDeque<Pending> q = delayed[e];
      while (!q.isEmpty() && q.peek().dueStep() <= step) {
        Pending p = q.poll();
        pendingCount--;
        out.add(new TaskLabel(p.entityId(), p.eventId(), time, p.target()));
      }
    }

    private void flushPending() {
      List<Pending> rest = new ArrayList<>();
      for (ArrayDeque<Pending> q : delayed) {
        rest.addAll(q);
        q.clear();
      }
      rest.sort(Comparator.comparingLong(Pending::order));
      for (Pending p : rest) {
        tick();
        out.add(new TaskLabel(p.entityId(), p.eventId(), time, p.target()));
      }
      pendingCount = 0;
    }
  }
}
