package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cellstream.avro.Event;
import io.cellstream.avro.ModelSnapshot;
import io.cellstream.serde.SerdeException.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroBinaryTest {

  /**
   * An Event written by the schema before {@code targetVector} (single-object encoding), stored as it was:
   * entityId "card-7", no eventId, eventTime 1767225600123, features [0.25, -2.0], target 1.0.
   */
  static final String STORED_EVENT_V0 =
      "c30146c0bedb5a7749810c636172642d3700f6a1d5edee66040000803e000000c000020000803f";

  @Test
  void roundTripsEveryRecordTypeInAvrosSingleObjectEncoding() throws Exception {
    for (SpecificRecord r : SampleRecords.all()) {
      byte[] b = AvroBinary.encode(r);
      assertThat(b).startsWith(0xC3, 0x01);
      assertThat(AvroBinary.decode(r.getClass().asSubclass(SpecificRecord.class), b)).isEqualTo(r);
    }
    Event e = SampleRecords.event();
    ByteBuffer generated = e.toByteBuffer();
    byte[] expected = new byte[generated.remaining()];
    generated.get(expected);
    assertThat(AvroBinary.encode(e)).as("the same bytes as the generated toByteBuffer()").isEqualTo(expected);
  }

  @Test
  void readsDataWrittenWithAnOlderSchemaWhenToldAboutIt() throws Exception {
    Schema v0 = SampleRecords.parse(SampleRecords.EVENT_V0);
    GenericRecord old = new GenericData.Record(v0);
    old.put("entityId", "card-7");
    old.put("eventId", null);
    old.put("eventTime", 1_767_225_600_123L);
    old.put("features", List.of(0.25f, -2.0f));
    old.put("target", 1.0f);
    ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0).encode(old);
    byte[] written = new byte[buf.remaining()];
    buf.get(written);
    assertThat(HexFormat.of().formatHex(written)).as("what the old producer wrote").isEqualTo(STORED_EVENT_V0);

    byte[] stored = HexFormat.of().parseHex(STORED_EVENT_V0);
    SerdeException e = catchThrowableOfType(SerdeException.class, () -> AvroBinary.decode(Event.class, stored));
    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA);

    Event read = AvroBinary.of(Event.class, v0).decodeValue(stored);
    assertThat(read.getEntityId()).isEqualTo("card-7");
    assertThat(read.getFeatures()).containsExactly(0.25f, -2.0f);
    assertThat(read.getTarget()).isEqualTo(1.0f);
    assertThat(read.getTargetVector()).isNull();
  }

  @Test
  void refusesAnOlderSchemaItCannotRead() {
    assertThatThrownBy(() -> AvroBinary.of(Event.class, SampleRecords.parse(SampleRecords.EVENT_INCOMPATIBLE)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badBytesAreSerdeExceptions() {
    byte[] ok = AvroBinary.encode(SampleRecords.snapshot());
    assertThat(reason(null)).isEqualTo(Reason.UNDECODABLE);
    assertThat(reason(new byte[] {(byte) 0xC3})).isEqualTo(Reason.UNDECODABLE);
    assertThat(reason(WireFormat.frame(1, new byte[20]))).isEqualTo(Reason.UNDECODABLE);
    for (int len = AvroBinary.HEADER_SIZE; len < ok.length; len++) {
      assertThat(reason(Arrays.copyOf(ok, len))).isEqualTo(Reason.UNDECODABLE);
    }
    assertThat(reason(Arrays.copyOf(ok, ok.length + 1))).isEqualTo(Reason.UNDECODABLE);
  }

  private static Reason reason(byte[] b) {
    return catchThrowableOfType(SerdeException.class, () -> AvroBinary.decode(ModelSnapshot.class, b)).reason();
  }

  @Test
  void servesAsAKafkaSerde() {
    Serde<ModelSnapshot> serde = AvroBinary.of(ModelSnapshot.class).serde();
    byte[] b = serde.serializer().serialize("models", SampleRecords.snapshot());
    assertThat(serde.deserializer().deserialize("models", b)).isEqualTo(SampleRecords.snapshot());
    assertThat(serde.serializer().serialize("models", null)).isNull();
    assertThat(serde.deserializer().deserialize("models", null)).isNull();
    assertThatThrownBy(() -> serde.deserializer().deserialize("models", new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class).hasCauseInstanceOf(SerdeException.class);
  }
}
