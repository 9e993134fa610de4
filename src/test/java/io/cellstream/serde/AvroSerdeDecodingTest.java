package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cellstream.avro.Event;
import io.cellstream.serde.SerdeException.Reason;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad bytes: every way a record can be unreadable ends as a SerdeException with the right reason. */
class AvroSerdeDecodingTest {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private AvroSerde<Event> serde;
  private String topic;
  private byte[] valid;

  @BeforeEach
  void setUp() {
    serde = new AvroSerde<>(Event.class, registry);
    topic = "bad-bytes";
    valid = serde.encode(topic, SampleRecords.event());
  }

  private Reason reasonOf(byte[] bytes) {
    return catchThrowableOfType(SerdeException.class, () -> serde.decode(topic, bytes)).reason();
  }

  @Test
  void nullEmptyAndShortInputsAreUndecodable() {
    assertThat(reasonOf(null)).isEqualTo(Reason.UNDECODABLE);
    assertThat(reasonOf(new byte[0])).isEqualTo(Reason.UNDECODABLE);
    assertThat(reasonOf(new byte[] {0, 0, 0, 1})).isEqualTo(Reason.UNDECODABLE);
    SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode(topic, new byte[] {0, 0}));
    assertThat(e.getMessage()).contains("too short");
    assertThat(e.schemaId()).isEqualTo(-1);
    assertThat(e.topic()).isEqualTo(topic);
  }

  @Test
  void aWrongMagicByteIsUndecodable() {
    byte[] b = valid.clone();
    b[0] = 1;
    SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode(topic, b));
    assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE);
    assertThat(e.getMessage()).contains("magic byte 0x01");
    assertThat(reasonOf("{\"entityId\":\"x\"}".getBytes())).isEqualTo(Reason.UNDECODABLE);
  }

  @Test
  void everyTruncationIsUndecodable() {
    for (int len = WireFormat.HEADER_SIZE; len < valid.length; len++) {
      assertThat(reasonOf(Arrays.copyOf(valid, len))).as("first %d of %d bytes", len, valid.length)
          .isEqualTo(Reason.UNDECODABLE);
    }
  }

  @Test
  void trailingBytesAreUndecodable() {
    byte[] b = Arrays.copyOf(valid, valid.length + 3);
    SerdeException e = catchThrowableOfType(SerdeException.class, () -> serde.decode(topic, b));
    assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE);
    assertThat(e.getMessage()).contains("3 bytes left over");
  }

  /** Ten bytes claiming a billion floats or a 2 GB string must not allocate them. */
  @Test
  void absurdLengthsAreUndecodableNotOutOfMemory() throws Exception {
    int id = WireFormat.schemaId(topic, valid);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(body, null);
    enc.writeString("card");
    enc.writeIndex(0); // eventId: null
    enc.writeLong(1L); // eventTime
    enc.writeArrayStart();
    enc.setItemCount(1_000_000_000L); // features: a billion floats, none there
    enc.flush();
    SerdeException e = catchThrowableOfType(SerdeException.class,
        () -> serde.decode(topic, WireFormat.frame(id, body.toByteArray())));
    assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE);
    assertThat(e.getMessage()).contains("1000000000 items");

    body.reset();
    enc.writeLong(Integer.MAX_VALUE - 16L); // entityId: a 2 GB string
    enc.flush();
    assertThat(reasonOf(WireFormat.frame(id, body.toByteArray()))).isEqualTo(Reason.UNDECODABLE);

    body.reset();
    enc.writeLong(-5L); // negative length
    enc.flush();
    assertThat(reasonOf(WireFormat.frame(id, body.toByteArray()))).isEqualTo(Reason.UNDECODABLE);
  }

  /** Random damage to a valid record: it decodes or it is a SerdeException, never anything else. */
  @Test
  void randomDamageNeverEscapesAsAnotherException() throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b = valid.clone();
      int flips = 1 + rnd.nextInt(4);
      for (int f = 0; f < flips; f++) {
        b[WireFormat.HEADER_SIZE + rnd.nextInt(b.length - WireFormat.HEADER_SIZE)] = (byte) rnd.nextInt(256);
      }
      if (rnd.nextInt(10) == 0) {
        b = Arrays.copyOf(b, WireFormat.HEADER_SIZE + rnd.nextInt(40));
      }
      try {
        serde.decode(topic, b);
        decoded++;
      } catch (SerdeException e) {
        assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE);
        refused++;
      }
    }
    assertThat(decoded).isPositive();
    assertThat(refused).isPositive();
  }

  /** One serde, several stream threads, records of two writer schemas interleaved. */
  @Test
  void decodesConcurrently() throws Exception {
    org.apache.avro.Schema v0 = SampleRecords.parse(SampleRecords.EVENT_V0);
    int v0Id = registry.register(topic + "-value", v0);
    org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(v0);
    old.put("entityId", "old");
    old.put("eventId", "o-1");
    old.put("eventTime", 5L);
    old.put("features", java.util.List.of(9f));
    old.put("target", null);
    byte[] oldBytes = WireFormat.frame(v0Id, RegistryContract.avro(v0, old));
    AvroSerde<Event> shared = new AvroSerde<>(Event.class, registry);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      var futures = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
      for (int t = 0; t < 4; t++) {
        futures.add(pool.submit(() -> {
          int n = 0;
          for (int i = 0; i < 5_000; i++) {
            assertThat(shared.decode(topic, valid)).isEqualTo(SampleRecords.event());
            Event e = shared.decode(topic, oldBytes);
            assertThat(e.getEntityId()).isEqualTo("old");
            assertThat(e.getTargetVector()).isNull();
            n += 2;
          }
          return n;
        }));
      }
      for (var f : futures) {
        assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(10_000);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void encodingAnInvalidRecordIsASerializationException() {
    Event e = SampleRecords.event();
    e.setEntityId(null);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.encode(topic, e))
        .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
        .hasMessageContaining("Event");
  }
}
