package io.cellstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.ModelSnapshot;
import io.cellstream.avro.Prediction;
import io.cellstream.serde.SerdeException.Reason;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Records of any schema as plain JSON, decoded with the writer's schema from the registry. */
class AvroJsonTest {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroJson json = new AvroJson(registry, 16);
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void aPredictionIsAnObjectOfItsFieldsWithTimesInIso8601() throws Exception {
    byte[] bytes = new AvroSerde<>(Prediction.class, registry).encode("predictions", SampleRecords.prediction());
    JsonNode p = json.decode("predictions", bytes);
    assertThat(p.path("entityId").asText()).isEqualTo("card-42");
    assertThat(p.path("eventTime").asText()).isEqualTo(SampleRecords.T.toString());
    assertThat(p.path("modelVersion").asLong()).isEqualTo(7);
    assertThat(p.path("outputs").get(0).floatValue()).isEqualTo(0.125f);
    assertThat(p.path("predictedClass").asInt()).as("a union is its branch's value, unwrapped").isZero();
    String text = mapper.writeValueAsString(p);
    assertThat(mapper.readTree(text).toString()).as("valid JSON, read back as written").isEqualTo(text);
  }

  @Test
  void bytesAreBase64UpToTheLimitAndOnlyCountedBeyond() throws Exception {
    DeadLetter dl = SampleRecords.deadLetter();
    dl.setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    JsonNode d = json.decode("dead-letters", new AvroSerde<>(DeadLetter.class, registry).encode("dead-letters", dl));
    assertThat(d.path("value").asText()).isEqualTo("AQID");
    assertThat(d.path("reason").asText()).isEqualTo(dl.getReason());

    ModelSnapshot m = SampleRecords.snapshot();
    m.setPayload(ByteBuffer.wrap(new byte[1000]));
    JsonNode s = json.decode("models", new AvroSerde<>(ModelSnapshot.class, registry).encode("models", m));
    assertThat(s.path("payload").path("omittedBytes").asInt()).isEqualTo(1000);
  }

  @Test
  void nonFiniteNumbersAreStringsAndFloatsPrintAsFloats() throws Exception {
    Prediction p = SampleRecords.prediction();
    p.setOutputs(List.of(Float.NaN, Float.POSITIVE_INFINITY, 0.1f));
    JsonNode n = json.decode("predictions", new AvroSerde<>(Prediction.class, registry).encode("predictions", p));
    assertThat(mapper.writeValueAsString(n.path("outputs"))).isEqualTo("[\"NaN\",\"Infinity\",0.1]");
  }

  @Test
  void anyWriterSchemaDecodesAsWritten() throws Exception {
    Schema v0 = SampleRecords.parse(SampleRecords.EVENT_V0);
    int id = registry.register("raw-value", v0);
    GenericRecord old = new GenericData.Record(v0);
    old.put("entityId", "card-1");
    old.put("eventId", null);
    old.put("eventTime", 5L);
    old.put("features", List.of(1f, 2f));
    old.put("target", 0.5f);
    JsonNode e = json.decode("raw", WireFormat.frame(id, RegistryContract.avro(v0, old)));
    assertThat(e.has("targetVector")).as("only the writer's fields").isFalse();
    assertThat(e.path("eventId").isNull()).isTrue();
    assertThat(e.path("target").floatValue()).isEqualTo(0.5f);
  }

  @Test
  void whatCannotBeDecodedSaysWhy() {
    assertThat(catchThrowableOfType(SerdeException.class, () -> json.decode("t", "{\"a\":1}".getBytes())).reason())
        .isEqualTo(Reason.UNDECODABLE);
    assertThat(catchThrowableOfType(SerdeException.class,
        () -> json.decode("t", WireFormat.frame(424242, new byte[] {2, 'a'}))).reason())
        .isEqualTo(Reason.UNKNOWN_SCHEMA);
    int id = registry.registerSchemaText("j-value", "JSON", "{\"type\":\"object\"}");
    assertThat(catchThrowableOfType(SerdeException.class,
        () -> json.decode("t", WireFormat.frame(id, new byte[] {2, 'a'}))).reason())
        .isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
    byte[] bytes = new AvroSerde<>(Prediction.class, registry).encode("predictions", SampleRecords.prediction());
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertThat(catchThrowableOfType(SerdeException.class, () -> json.decode("predictions", truncated)).reason())
        .isEqualTo(Reason.UNDECODABLE);
  }
}
