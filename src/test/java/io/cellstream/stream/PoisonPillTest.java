package io.cellstream.stream;

import io.cellstream.input.InputLimits;
import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The records that used to stop the service — one valid event, or several normal ones adding up — now end as one
 * prediction or one dead letter each, and every record the service writes fits what the producer and the topics
 * accept ({@link RecordLimits}; TopologyTestDriver enforces no limit, so these tests measure each record).
 */
class PoisonPillTest {

  private static final ModelSpec SPEC = new ModelSpec(3, 5, 1, Task.BINARY);

  private static StreamSettings settings() {
    return TopologyFixture.settings(SPEC, true, 8, 4, 6, 4, 8).withInput(InputLimits.DEFAULTS);
  }

  private static String text(int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return new String(c);
  }

  private static void assertFits(TopologyFixture f, TestRecord<byte[], byte[]> record) {
    assertThat(RecordLimits.recordSize(record.key(), record.value(), record.headers()))
        .as("a dead letter the producer and the dead-letter topic accept")
        .isLessThanOrEqualTo(f.limits.deadLetterRecordBytes());
  }

  @Test
  void anEventIdLongerThanTheStateFormatTakesIsDeadLetteredAndTheEntityGoesOn() throws Exception {
    try (TopologyFixture f = new TopologyFixture(settings())) {
      String longId = text(40_000, 1); // the codec stores ids with a 16-bit length: this one used to stop the thread
      f.send(f.event("a", longId, new float[] {1, 2, 3}, null));
      f.send(f.event("a", "ok", new float[] {1, 2, 3}, 1f));
      List<DeadLetter> dead = f.readDeadLetters();
      assertThat(dead).extracting(DeadLetter::getReason).containsExactly("event-id-too-long");
      assertThat(dead.get(0).getMessage()).contains("40000 bytes").contains("cellstream.input.max-event-id-bytes = 1024")
          .hasSizeLessThan(400);
      assertThat(f.readPredictions()).extracting(Prediction::getEventId).containsExactly("ok");
      assertThat(f.training.readValuesToList()).hasSize(1);
    }
  }

  @Test
  void aLongLabelEventIdAndALongEntityIdAreDeadLetteredToo() throws Exception {
    try (TopologyFixture f = new TopologyFixture(settings())) {
      f.send(f.event("a", "a0", new float[] {1, 2, 3}, null));
      f.sendLabel("a", text(2_000, 2), 1f);
      String longEntity = text(5_000, 3);
      f.send(f.event(longEntity, "e0", new float[] {1, 2, 3}, null));
      List<TestRecord<byte[], byte[]>> records = f.readDeadLetterRecords();
      assertThat(records).extracting(r -> deadLetter(f, r).getReason())
          .containsExactly("event-id-too-long", "entity-id-too-long");
      assertThat(records.get(1).key()).as("the dead letter's record key is cut to the entity id limit").hasSize(1024);
      assertThat(deadLetter(f, records.get(1)).getKey().remaining()).as("the whole key travels inside").isEqualTo(5_000);
      records.forEach(r -> assertFits(f, r));
    }
  }

  @Test
  void aLargeMismatchedKeyGivesADeadLetterTheProducerAccepts() throws Exception {
    byte[] key = text(600_000, 4).getBytes(StandardCharsets.UTF_8);
    byte[] value;
    try (TopologyFixture f = new TopologyFixture(settings())) {
      value = f.serdes.events().encode(f.settings.topics().events(), f.event("a", "1", new float[] {1, 2, 3}, null));
      f.events.pipeInput(key, value);
      TestRecord<byte[], byte[]> record = f.readDeadLetterRecords().getFirst();
      DeadLetter dl = deadLetter(f, record);
      assertThat(dl.getReason()).isEqualTo("key-mismatch");
      assertThat(dl.getMessage()).as("the key is quoted, not embedded").contains("(600000 bytes)").hasSizeLessThan(400);
      assertThat(dl.getKey().remaining()).as("kept whole: it fits").isEqualTo(600_000);
      assertThat(dl.getKeySize()).isNull();
      assertThat(record.key()).hasSize(1024);
      assertFits(f, record);
    }
    // A dead-letter topic that takes less: the key is cut, its size and hash tell what it was.
    RecordLimits small = new RecordLimits(1_048_576, 200_000, 1_048_588, 1_048_588, 1_048_588, 1_048_588, "test");
    try (TopologyFixture f = new TopologyFixture(settings(), small)) {
      f.events.pipeInput(key, value);
      TestRecord<byte[], byte[]> record = f.readDeadLetterRecords().getFirst();
      DeadLetter dl = deadLetter(f, record);
      assertThat(dl.getKeySize()).isEqualTo(600_000);
      assertThat(dl.getKeySha256()).isEqualTo(DeadLetters.sha256(key));
      assertThat(dl.getKey().remaining()).isBetween(100_000, 200_000);
      assertThat(dl.getValue().remaining()).as("the short value whole").isEqualTo(value.length);
      assertThat(dl.getValueSize()).isNull();
      assertThat(dl.getMessage()).contains("key cut to its first");
      assertFits(f, record);
    }
  }

  @Test
  void anOversizedRecordKeepsItsBytesWholeWhenTheyFitAndItsHashWhenNot() throws Exception {
    byte[] value = text(600_000, 5).getBytes(StandardCharsets.UTF_8); // over the 512 KiB default, under Kafka's 1 MiB
    try (TopologyFixture f = new TopologyFixture(settings())) {
      f.events.pipeInput(TopologyFixture.key("a"), value);
      TestRecord<byte[], byte[]> record = f.readDeadLetterRecords().getFirst();
      DeadLetter dl = deadLetter(f, record);
      assertThat(dl.getReason()).isEqualTo("oversized");
      byte[] kept = new byte[dl.getValue().remaining()];
      dl.getValue().duplicate().get(kept);
      assertThat(kept).as("the original bytes, all of them").isEqualTo(value);
      assertThat(dl.getValueSize()).isNull();
      assertFits(f, record);
    }
    RecordLimits small = new RecordLimits(300_000, 1_048_588, 1_048_588, 1_048_588, 1_048_588, 1_048_588, "test");
    try (TopologyFixture f = new TopologyFixture(settings(), small)) {
      f.events.pipeInput(TopologyFixture.key("a"), value);
      TestRecord<byte[], byte[]> record = f.readDeadLetterRecords().getFirst();
      DeadLetter dl = deadLetter(f, record);
      assertThat(dl.getValueSize()).isEqualTo(600_000);
      assertThat(dl.getValueSha256()).isEqualTo(DeadLetters.sha256(value));
      byte[] kept = new byte[dl.getValue().remaining()];
      dl.getValue().duplicate().get(kept);
      assertThat(kept).as("its first bytes").isEqualTo(Arrays.copyOf(value, kept.length));
      assertThat(kept.length).isGreaterThan(250_000);
      assertThat(dl.getMessage()).contains("value cut to its first " + kept.length + " of 600000 bytes");
      assertFits(f, record);
    }
  }

  /**
   * 36 events with 30 KB ids made one memory larger than its changelog takes. Now such ids are refused; and ids
   * within the bound that still add up past the changelog's limit cost the memory its oldest window steps, never
   * a prediction or h and c.
   */
  @Test
  void normalSizedEventsCannotAddUpToAMemoryItsChangelogRefuses() throws Exception {
    try (TopologyFixture f = new TopologyFixture(settings())) {
      for (int i = 0; i < 36; i++) {
        f.send(f.event("a", i + "-" + text(30_000, i), new float[] {1, 2, 3}, null));
      }
      assertThat(f.readDeadLetters()).hasSize(36).extracting(DeadLetter::getReason).containsOnly("event-id-too-long");
    }
    StreamSettings wide = settings().withInput(new InputLimits(512 * 1024, 1024, 16_384));
    RecordLimits changelog = new RecordLimits(1_048_576, 1_048_588, 64 * 1024, 1_048_588, 1_048_588, 1_048_588, "test");
    try (TopologyFixture f = new TopologyFixture(wide, changelog)) {
      CellstreamTopologyTest.HandRun hand = new CellstreamTopologyTest.HandRun(f);
      KeyValueStore<String, byte[]> store = f.driver.getKeyValueStore(CellstreamTopology.ENTITY_STORE);
      SplittableRandom r = new SplittableRandom(6);
      int limit = changelog.entityStateRecordBytes() - RecordLimits.recordSize("a".getBytes(StandardCharsets.UTF_8),
          new byte[0], null);
      for (int i = 0; i < 40; i++) {
        float[] x = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
        hand.step("a", x);
        f.send(f.event("a", i + "-" + text(12_000, 100 + i), x, null));
        assertThat(store.get("a").length).as("memory after event %d", i).isLessThanOrEqualTo(limit);
      }
      assertThat(f.readPredictions()).hasSize(40);
      assertThat(f.readDeadLetters()).isEmpty();
      assertThat(f.metrics.stateTrimmedCount()).isPositive();
      EntityState s = new EntityState(3, 5, 1, 8, 4);
      new EntityStateCodec().decode(store.get("a"), s);
      assertThat(s.h).as("h as the engine computes it: trimming never touches the memory itself")
          .containsExactly(hand.states.get("a")[0]);
      assertThat(s.eventsSeen).isEqualTo(40);
      assertThat(s.windowCount()).as("fewer steps than W = 8: what fits").isLessThan(8).isPositive();
    }
  }

  @Test
  void aMemoryThatCannotFitEvenBareRefusesItsEventWithAReason() throws Exception {
    ModelSpec big = new ModelSpec(3, 400, 1, Task.BINARY); // 2H floats = 3.2 KB, over a 3 KB changelog
    StreamSettings s = TopologyFixture.settings(big, false, 8, 4, 6, 4, 8);
    RecordLimits tiny = new RecordLimits(1_048_576, 1_048_588, 3 * 1024 + RecordLimits.FRAMING_SLACK, 1_048_588,
        1_048_588, 1_048_588, "test");
    try (TopologyFixture f = new TopologyFixture(s, tiny)) {
      Event e = f.event("a", "1", new float[] {1, 2, 3}, null);
      f.send(e);
      assertThat(f.readPredictions()).isEmpty();
      assertThat(f.readDeadLetters()).extracting(DeadLetter::getReason).containsExactly("state-too-large");
      assertThat(f.driver.getKeyValueStore(CellstreamTopology.ENTITY_STORE).get("a")).isNull();
    }
  }

  private static DeadLetter deadLetter(TopologyFixture f, TestRecord<byte[], byte[]> r) {
    try {
      return f.deadLetter(r.value());
    } catch (io.cellstream.serde.SerdeException e) {
      throw new AssertionError(e);
    }
  }
}
