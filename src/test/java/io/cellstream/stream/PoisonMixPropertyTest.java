package io.cellstream.stream;

import io.cellstream.input.InputLimits;
import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Label;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A randomized mix of good records and poison — malformed Avro (garbage, truncated, flipped bytes, an unknown
 * schema id), sizes (oversized values, long ids, huge keys) and field values (wrong dimension, NaN, an empty entity
 * id, missing and mismatched keys, invalid targets), and labels before, after and without their events, duplicated
 * or bad — through the topology. Whatever the mix: nothing is thrown, every event ends as exactly one prediction or
 * one dead letter, every label as exactly one training example or one dead letter (once the hold has passed), no
 * event is predicted twice, no step learned from twice, and every dead letter fits the dead-letter topic's limit.
 */
class PoisonMixPropertyTest {

  private static final ModelSpec SPEC = new ModelSpec(3, 4, 1, Task.BINARY);

  /** What one record of the mix is. */
  enum Kind {
    EVENT, GARBAGE, TRUNCATED, FLIPPED, UNKNOWN_SCHEMA, TOMBSTONE, OVERSIZED, WRONG_DIMENSION,
    NON_FINITE, EMPTY_ENTITY, NULL_KEY, KEY_MISMATCH, HUGE_KEY, LONG_EVENT_ID, LONG_ENTITY_ID, INVALID_TARGET,
    LABEL, EARLY_LABEL, ORPHAN_LABEL, DUPLICATE_LABEL, BAD_LABEL, LABEL_LONG_EVENT_ID, LABEL_GARBAGE
  }

  @Property(tries = 20)
  void everyInputEndsAsExactlyOneOutputWhateverTheMix(@ForAll @Size(min = 1, max = 80) List<Kind> kinds,
      @ForAll long seed) throws Exception {
    StreamSettings settings = TopologyFixture.settings(SPEC, true, 8, 4, 6, 4, 8)
        .withInput(new InputLimits(4096, 64, 64)).withHolding(new io.cellstream.learn.LabelJoin.Holding(4, 60_000));
    SplittableRandom r = new SplittableRandom(seed);
    int eventsIn = 0;
    int labelsIn = 0;
    List<String> seenEvents = new ArrayList<>();
    try (TopologyFixture f = new TopologyFixture(settings)) {
      String topic = settings.topics().events();
      String labels = settings.topics().labels();
      for (Kind kind : kinds) {
        String entity = "e" + r.nextInt(3);
        if (r.nextBoolean()) { // half the time a good event first: poison among a live stream
          String id = entity + "-" + r.nextInt(1_000_000);
          f.send(f.event(entity, id, x(r, 3), null));
          seenEvents.add(entity + "/" + id);
          eventsIn++;
        }
        String eventId = entity + "-" + r.nextInt(1_000_000);
        byte[] good = f.serdes.events().encode(topic, f.event(entity, eventId, x(r, 3), null));
        switch (kind) {
          case EVENT -> {
            f.events.pipeInput(key(entity), good);
            seenEvents.add(entity + "/" + eventId);
          }
          case GARBAGE -> f.events.pipeInput(key(entity), bytes(r, 1 + r.nextInt(200)));
          case TRUNCATED -> f.events.pipeInput(key(entity), java.util.Arrays.copyOf(good, r.nextInt(good.length)));
          case FLIPPED -> {
            byte[] b = good.clone();
            b[5 + r.nextInt(b.length - 5)] ^= (byte) (1 + r.nextInt(255));
            f.events.pipeInput(key(entity), b);
          }
          case UNKNOWN_SCHEMA -> {
            byte[] b = good.clone();
            b[1] = 0x55;
            f.events.pipeInput(key(entity), b);
          }
          case TOMBSTONE -> f.events.pipeInput(key(entity), (byte[]) null);
          case OVERSIZED -> f.events.pipeInput(key(entity), bytes(r, 4097 + r.nextInt(20_000)));
          case WRONG_DIMENSION -> f.send(f.event(entity, eventId, x(r, r.nextBoolean() ? 2 : 4 + r.nextInt(5)), null));
          case NON_FINITE -> {
            float[] v = x(r, 3);
            v[r.nextInt(3)] = r.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
            f.send(f.event(entity, eventId, v, null));
          }
          case EMPTY_ENTITY -> f.events.pipeInput(key(""), f.serdes.events().encode(topic, f.event("", eventId, x(r, 3), null)));
          case NULL_KEY -> f.events.pipeInput((byte[]) null, good);
          case KEY_MISMATCH -> f.events.pipeInput(key(entity + "x"), good);
          case HUGE_KEY -> f.events.pipeInput(bytes(r, 10_000 + r.nextInt(100_000)), good);
          case LONG_EVENT_ID -> f.send(f.event(entity, eventId + "-".repeat(65 + r.nextInt(3000)), x(r, 3), null));
          case LONG_ENTITY_ID -> {
            String longEntity = "e".repeat(65 + r.nextInt(3000));
            f.send(f.event(longEntity, eventId, x(r, 3), null));
          }
          case INVALID_TARGET -> f.send(f.event(entity, eventId, x(r, 3), 0.25f + r.nextInt(2)));
          case LABEL, DUPLICATE_LABEL -> {
            if (seenEvents.isEmpty()) {
              f.sendLabel(entity, eventId, 1f); // nothing seen yet: a label whose event never comes
            } else {
              String[] ev = seenEvents.get(r.nextInt(seenEvents.size())).split("/", 2);
              f.sendLabel(ev[0], ev[1], r.nextInt(2));
              if (kind == Kind.DUPLICATE_LABEL) {
                f.sendLabel(ev[0], ev[1], r.nextInt(2));
                labelsIn++;
              }
            }
          }
          case EARLY_LABEL -> {
            f.sendLabel(entity, eventId, r.nextInt(2)); // its event follows, at once or a few records later
            f.events.pipeInput(key(entity), good);
            seenEvents.add(entity + "/" + eventId);
            eventsIn++;
          }
          case ORPHAN_LABEL -> f.sendLabel(entity, "never-" + r.nextInt(1_000_000), 1f);
          case BAD_LABEL -> {
            Label l = Label.newBuilder().setEntityId(entity).setEventId(eventId).setTarget(r.nextBoolean() ? 3f : Float.NaN).build();
            f.labels.pipeInput(key(entity), f.serdes.labels().encode(labels, l));
          }
          case LABEL_LONG_EVENT_ID -> f.sendLabel(entity, "x".repeat(65 + r.nextInt(1000)), 1f);
          case LABEL_GARBAGE -> f.labels.pipeInput(key(entity), bytes(r, r.nextInt(100)));
        }
        switch (kind) {
          case LABEL, DUPLICATE_LABEL, ORPHAN_LABEL, BAD_LABEL, LABEL_LONG_EVENT_ID, LABEL_GARBAGE, EARLY_LABEL -> labelsIn++;
          default -> eventsIn++;
        }
      }
      // Stream time past the hold: what is still held is given up now. This event is counted too.
      f.advance(120_000);
      f.send(f.event("late", "late-0", x(r, 3), null));
      f.driver.advanceWallClockTime(java.time.Duration.ofSeconds(1)); // the sweep's tick
      eventsIn++;

      List<Prediction> predictions = f.readPredictions();
      List<TrainingExample> examples = new ArrayList<>();
      for (byte[] b : f.training.readValuesToList()) {
        examples.add(TrainingExampleCodec.decode(b));
      }
      int eventDeadLetters = 0;
      int labelDeadLetters = 0;
      Set<String> deadOffsets = new HashSet<>();
      for (TestRecord<byte[], byte[]> rec : f.readDeadLetterRecords()) {
        assertThat(RecordLimits.recordSize(rec.key(), rec.value(), rec.headers()))
            .isLessThanOrEqualTo(f.limits.deadLetterRecordBytes());
        DeadLetter dl = f.deadLetter(rec.value());
        assertThat(deadOffsets.add(dl.getSourceTopic() + "@" + dl.getPartition() + "@" + dl.getOffset()))
            .as("one dead letter per input record: %s", dl).isTrue();
        if (dl.getSourceTopic().equals(topic)) {
          eventDeadLetters++;
        } else {
          assertThat(dl.getSourceTopic()).isEqualTo(labels);
          labelDeadLetters++;
        }
      }
      assertThat(predictions.size() + eventDeadLetters).as("events: predictions + dead letters").isEqualTo(eventsIn);
      assertThat(predictions.stream().map(p -> p.getEntityId() + "/" + p.getEventId() + "/" + p.getEventsSeen()).distinct())
          .as("no event predicted twice").hasSize(predictions.size());
      assertThat(examples.size() + labelDeadLetters).as("labels: examples + dead letters").isEqualTo(labelsIn);
      assertThat(examples.stream().map(e -> e.entityId() + "/" + e.labelledStep()).distinct())
          .as("no step learned from twice").hasSize(examples.size());
    }
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static float[] x(SplittableRandom r, int d) {
    float[] v = new float[d];
    for (int i = 0; i < d; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt();
    }
    return b;
  }
}
