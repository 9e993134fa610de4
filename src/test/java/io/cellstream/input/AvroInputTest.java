package io.cellstream.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.InMemorySchemaRegistry;
import io.cellstream.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The user's own Avro records, read with the writer's schema from the registry: nested fields by path, unions,
 * enums, timestamp logical types, and a later schema version (a field added, one removed) read by name.
 */
class AvroInputTest {

  static final String V1 = """
      {"type": "record", "name": "Payment", "namespace": "shop", "fields": [
        {"name": "card", "type": {"type": "record", "name": "Card", "fields": [
          {"name": "id", "type": "long"},
          {"name": "network", "type": {"type": "enum", "name": "Network", "symbols": ["VISA", "MC"]}}]}},
        {"name": "amount", "type": ["null", "double"], "default": null},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "paymentId", "type": "string"},
        {"name": "fraud", "type": ["null", "boolean"], "default": null}]}""";

  static final String V2 = """
      {"type": "record", "name": "Payment", "namespace": "shop", "fields": [
        {"name": "paymentId", "type": "string"},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "card", "type": {"type": "record", "name": "Card", "fields": [
          {"name": "id", "type": "long"},
          {"name": "network", "type": {"type": "enum", "name": "Network", "symbols": ["VISA", "MC"]}}]}},
        {"name": "channel", "type": "string", "default": "web"},
        {"name": "fraud", "type": ["null", "boolean"], "default": null}]}""";

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  private InputReader reader() {
    InputMapping m = new InputMapping(InputFormat.AVRO, FieldPath.parse("card.id"), FieldPath.parse("at"),
        FieldPath.parse("paymentId"), FieldPath.parse("fraud"),
        FeatureList.parse("num(amount, default=0), cat(card.network, 4), hour(at)", 1), InputFormat.CELLSTREAM, null,
        null, null);
    return new InputReader(m, new ModelSpec(7, 4, 1, Task.BINARY), InputLimits.DEFAULTS, registry,
        new AvroSerde<>(Event.class, registry), new AvroSerde<>(Label.class, registry));
  }

  static byte[] encode(int id, GenericRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
    enc.flush();
    return WireFormat.frame(id, out.toByteArray());
  }

  static GenericRecord payment(Schema schema, long card, String network, Double amount, long micros, String id,
      Boolean fraud) {
    GenericRecord c = new GenericData.Record(schema.getField("card").schema());
    c.put("id", card);
    c.put("network", new GenericData.EnumSymbol(c.getSchema().getField("network").schema(), network));
    GenericRecord p = new GenericData.Record(schema);
    p.put("card", c);
    if (schema.getField("amount") != null) {
      p.put("amount", amount);
    }
    if (schema.getField("channel") != null) {
      p.put("channel", "app");
    }
    p.put("at", micros);
    p.put("paymentId", id);
    p.put("fraud", fraud);
    return p;
  }

  @Test
  void nestedFieldsUnionsEnumsAndLogicalTypesThroughTheRegistry() throws IOException {
    Schema v1 = new Schema.Parser().parse(V1);
    Schema v2 = new Schema.Parser().parse(V2);
    int id1 = registry.register("payments-value", v1);
    int id2 = registry.register("payments-value", v2); // the amount removed, a channel added: BACKWARD allows it
    InputReader r = reader();
    CheckedEvent e = r.newEvent();
    long micros = 1_714_570_200_000_000L + 123; // 2024-05-01T13:30:00.000123Z

    byte[] first = encode(id1, payment(v1, 4242L, "MC", 12.5, micros, "p-1", true));
    assertThat(r.event("payments", 0, 0, 1L, "4242".getBytes(StandardCharsets.UTF_8), first, null, e)).isNull();
    assertThat(e.entityId()).isEqualTo("4242");
    assertThat(e.eventId()).isEqualTo("p-1");
    assertThat(e.time()).isEqualTo(1_714_570_200_000L);      // timestamp-micros, in milliseconds
    assertThat(e.hasTarget()).isTrue();
    assertThat(e.target()).containsExactly(1f);
    assertThat(e.inputs()[0]).isEqualTo(12.5f);
    assertThat(e.inputs()[1 + Transforms.bucket("MC", 4)]).isEqualTo(1f);
    assertThat(e.inputs()[5]).isEqualTo(-0.38268343f);     // 13:30

    // the next version has no amount (the default applies) and puts the fields in another order
    byte[] second = encode(id2, payment(v2, 7L, "VISA", null, micros, "p-2", null));
    assertThat(r.event("payments", 0, 1, 1L, "other".getBytes(StandardCharsets.UTF_8), second, null, e)).isNull();
    assertThat(e.entityId()).isEqualTo("7");
    assertThat(e.atHome()).isFalse();
    assertThat(e.hasTarget()).isFalse();
    assertThat(e.inputs()[0]).isEqualTo(0f);
    assertThat(e.inputs()[1 + Transforms.bucket("VISA", 4)]).isEqualTo(1f);

    // a union's null is missing; the wrong kind of value is malformed, with its field named
    byte[] unknown = WireFormat.frame(999, new byte[] {2});
    assertThat(r.event("payments", 0, 2, 1L, null, unknown, null, e).reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    byte[] truncated = java.util.Arrays.copyOf(first, first.length - 3);
    assertThat(r.event("payments", 0, 3, 1L, null, truncated, null, e).reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    int notARecord = registry.register("other-value", Schema.create(Schema.Type.STRING));
    assertThat(r.event("payments", 0, 4, 1L, null, WireFormat.frame(notARecord, new byte[] {2, 'a'}), null, e).reason())
        .isEqualTo(DeadLetterReason.INCOMPATIBLE_SCHEMA);
  }
}
