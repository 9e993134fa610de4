package io.cellstream.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.learn.FeatureMemory;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.InMemorySchemaRegistry;
import io.cellstream.state.EntityState;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The input layer on JSON records: every transform against values computed by hand (Python's math module gave the
 * digits), the entity's feature memory (since, prev_target), defaults, and a dead letter naming the field for every
 * missing or malformed one.
 */
class InputReaderTest {

  private static final long T0 = 1_714_570_200_000L; // 2024-05-01T13:30:00Z, a Wednesday

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  private InputReader reader(String features, int k, Task task) {
    InputMapping m = new InputMapping(InputFormat.JSON, FieldPath.parse("card.id"), FieldPath.parse("ts"),
        FieldPath.parse("id"), FieldPath.parse("fraud"), FeatureList.parse(features, k), InputFormat.JSON,
        FieldPath.parse("card.id"), FieldPath.parse("id"), FieldPath.parse("fraud"));
    ModelSpec spec = new ModelSpec(m.features().width(), 4, k, task);
    return new InputReader(m, spec, InputLimits.DEFAULTS, registry, new AvroSerde<>(Event.class, registry),
        new AvroSerde<>(Label.class, registry));
  }

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  private static Rejection read(InputReader r, String json, CheckedEvent into) {
    return r.event("tx", 0, 7, 99L, "c1".getBytes(StandardCharsets.UTF_8), json(json), null, into);
  }

  @Test
  void numLogBoolAndCatAgainstHandComputedValues() {
    InputReader r = reader("num(card.amount), log(card.amount), log(refund), bool(online), cat(merchant, 16), cat(mcc, 5)", 1,
        Task.BINARY);
    CheckedEvent e = r.newEvent();
    assertThat(read(r, "{'card': {'id': 'c1', 'amount': 99}, 'refund': -9, 'online': 'TRUE', 'merchant': 'abc',"
        + " 'mcc': 5411, 'ts': 1714570200, 'id': 'e1'}", e)).isNull();
    float[] u = e.inputs();
    assertThat(u[0]).isEqualTo(99f);                                    // num: raw here, standardised by the model
    assertThat(u[1]).isCloseTo(4.605170185988092f, within(1e-6f));     // ln(1 + 99)
    assertThat(u[2]).isCloseTo(-2.302585092994046f, within(1e-6f));    // -ln(1 + 9): the sign is kept
    assertThat(u[3]).isEqualTo(1f);                                     // 'TRUE'
    // FNV-1a-32("abc") = 0x1a47e90b, mod 16 = 11
    for (int i = 0; i < 16; i++) {
      assertThat(u[4 + i]).as("cat bucket %d", i).isEqualTo(i == 11 ? 1f : 0f);
    }
    assertThat(Transforms.fnv1a32("abc")).isEqualTo(0x1a47e90b);
    // the integer 5411 is the category "5411"
    assertThat(u[20 + Transforms.bucket("5411", 5)]).isEqualTo(1f);
    assertThat(e.entityId()).isEqualTo("c1");
    assertThat(e.eventId()).isEqualTo("e1");
    assertThat(e.time()).isEqualTo(T0); // epoch seconds, by magnitude
    assertThat(e.atHome()).isTrue();
  }

  @Test
  void hourAndWeekdayAreCyclicInTheirZone() {
    InputReader r = reader("hour(ts), weekday(ts), hour(ts, Europe/Paris), weekday(ts, Europe/Paris)", 1, Task.BINARY);
    CheckedEvent e = r.newEvent();
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': '2024-05-01T13:30:00Z'}", e)).isNull();
    float[] u = e.inputs();
    assertThat(u[0]).isCloseTo(-0.38268343236508967f, within(1e-6f)); // sin(2π·13.5/24)
    assertThat(u[1]).isCloseTo(-0.9238795325112868f, within(1e-6f));
    assertThat(u[2]).isCloseTo(0.9749279121818236f, within(1e-6f));   // Wednesday: d = 2, sin(2π·2/7)
    assertThat(u[3]).isCloseTo(-0.22252093395631434f, within(1e-6f));
    assertThat(u[4]).isCloseTo(-0.7933533402912349f, within(1e-6f));  // 15:30 in Paris (UTC+2 in May)
    assertThat(u[5]).isCloseTo(-0.6087614290087209f, within(1e-6f));
    assertThat(u[6]).isCloseTo(0.9749279121818236f, within(1e-6f));
    // Sunday 23:30 UTC is Monday 01:30 in Paris: weekday 6 in UTC, 0 there
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1714951800000}", e)).isNull();
    assertThat(e.inputs()[2]).isCloseTo(-0.7818314824680299f, within(1e-6f));
    assertThat(e.inputs()[3]).isCloseTo(0.6234898018587334f, within(1e-6f));
    assertThat(e.inputs()[6]).isCloseTo(0f, within(1e-6f));
    assertThat(e.inputs()[7]).isCloseTo(1f, within(1e-6f));
  }

  @Test
  void sinceAndPrevTargetComeFromTheEntitysMemory() {
    InputReader r = reader("since(ts), prev_target()", 1, Task.BINARY);
    FeatureMemory memory = r.featureMemory();
    EntityState entity = new EntityState(3, 4, 1, 8, 4);
    CheckedEvent e = r.newEvent();
    float[] u = new float[3];

    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1714570200000}", e)).isNull();
    e.write(entity, u);
    assertThat(u).containsExactly(0f, 0f, 1f);              // first event: since 0; no target yet: [0, none = 1]

    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1714570210000}", e)).isNull();
    e.write(entity, u);
    assertThat(u[0]).isCloseTo(2.3978952727983707f, within(1e-6f)); // ln(1 + 10 s)
    assertThat(u[2]).isEqualTo(1f);

    memory.targetLearned(entity, new float[] {1f});
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': '2024-05-01T13:31:40Z'}", e)).isNull();
    e.write(entity, u);
    assertThat(u[0]).isCloseTo(4.51085950651685f, within(1e-6f));   // ln(1 + 90 s)
    assertThat(u[1]).isEqualTo(1f);                                  // the target learned from
    assertThat(u[2]).isEqualTo(0f);                                  // and there is one

    // an event older than the latest counts 0 s, and the latest time is kept
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1714570200000}", e)).isNull();
    e.write(entity, u);
    assertThat(u[0]).isEqualTo(0f);
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1714570310000}", e)).isNull();
    e.write(entity, u);
    assertThat(u[0]).isCloseTo(2.3978952727983707f, within(1e-6f)); // 10 s after 13:31:40

    // a memory written by another feature list is not read: it starts afresh
    InputReader other = reader("since(ts), prev_target(), bool(x, default=0)", 1, Task.BINARY);
    CheckedEvent o = other.newEvent();
    float[] v = new float[4];
    assertThat(read(other, "{'card': {'id': 'c1'}, 'ts': 1714570320000}", o)).isNull();
    o.write(entity, v);
    assertThat(v).containsExactly(0f, 0f, 1f, 0f);
  }

  @Test
  void prevTargetOfAMulticlassModelIsOneHot() {
    InputReader r = reader("prev_target()", 3, Task.MULTICLASS);
    EntityState entity = new EntityState(4, 4, 3, 8, 4);
    CheckedEvent e = r.newEvent();
    float[] u = new float[4];
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1, 'fraud': 2}", e)).isNull();
    assertThat(e.hasTarget()).isTrue();
    assertThat(e.target()).containsExactly(0f, 0f, 1f);
    r.featureMemory().targetLearned(entity, e.target());
    e.write(entity, u);
    assertThat(u).containsExactly(0f, 0f, 1f, 0f);
  }

  @Test
  void defaultsStandInForMissingNullOrMalformedFields() {
    InputReader r = reader("num(a, default=5), bool(b, default=true), cat(c, 16, default=abc), hour(d, default=2024-05-01T13:30:00Z)",
        1, Task.BINARY);
    CheckedEvent e = r.newEvent();
    assertThat(read(r, "{'card': {'id': 'c1'}, 'ts': 1, 'a': null, 'b': 'maybe', 'd': {'x': 1}}", e)).isNull();
    assertThat(e.inputs()[0]).isEqualTo(5f);
    assertThat(e.inputs()[1]).isEqualTo(1f);
    assertThat(e.inputs()[2 + 11]).isEqualTo(1f);
    assertThat(e.inputs()[18]).isCloseTo(-0.38268343236508967f, within(1e-6f));
  }

  @Test
  void aMissingOrMalformedFieldIsADeadLetterNamingIt() {
    InputReader r = reader("num(card.amount), hour(ts)", 1, Task.BINARY);
    CheckedEvent e = r.newEvent();
    assertRejected(read(r, "{'card': {'id': 'c1'}, 'ts': 1}", e), DeadLetterReason.MISSING_FIELD, "card.amount");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': null}, 'ts': 1}", e), DeadLetterReason.MISSING_FIELD, "card.amount");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 'ten'}, 'ts': 1}", e), DeadLetterReason.MALFORMED_FIELD, "card.amount");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': [1]}, 'ts': 1}", e), DeadLetterReason.MALFORMED_FIELD, "card.amount");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1e300}, 'ts': 1}", e), DeadLetterReason.NON_FINITE, "card.amount");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1}}", e), DeadLetterReason.MISSING_FIELD, "ts");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1}, 'ts': 'yesterday'}", e), DeadLetterReason.MALFORMED_FIELD, "ts");
    assertRejected(read(r, "{'card': {'amount': 1}, 'ts': 1}", e), DeadLetterReason.MISSING_ENTITY_ID, "card.id");
    assertRejected(read(r, "{'card': 'c1', 'ts': 1}", e), DeadLetterReason.MISSING_ENTITY_ID, "card.id");
    assertRejected(read(r, "{'card': {'id': 1.5, 'amount': 1}, 'ts': 1}", e), DeadLetterReason.MALFORMED_FIELD, "card.id");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1}, 'ts': 1, 'id': {'a': 1}}", e), DeadLetterReason.MALFORMED_FIELD, "id");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1}, 'ts': 1, 'fraud': 'yes'}", e), DeadLetterReason.INVALID_TARGET, "fraud");
    assertRejected(read(r, "{'card': {'id': 'c1', 'amount': 1}, 'ts': 1, 'fraud': 2}", e), DeadLetterReason.INVALID_TARGET, "fraud");
    Rejection notJson = read(r, "{'card': {'id': 'c1'", e);
    assertThat(notJson.reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(read(r, "[1, 2]", e).reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(read(r, "{'card': {'id': 'c1'}} {}", e).reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(r.event("tx", 0, 1, 1, null, null, null, e).reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
  }

  private static void assertRejected(Rejection r, DeadLetterReason reason, String field) {
    assertThat(r).as("a rejection").isNotNull();
    assertThat(r.reason()).as(r.message()).isEqualTo(reason);
    assertThat(r.field()).isEqualTo(field);
    assertThat(r.message()).contains("'" + field + "'");
  }

  @Test
  void theKeyDecidesWhetherAnEventIsAtHomeAndAnUnnamedEventIsNamedByHeaderOrPosition() {
    InputReader r = reader("num(a, default=0)", 1, Task.BINARY);
    CheckedEvent e = r.newEvent();
    byte[] value = json("{'card': {'id': 42}, 'ts': 1}");
    assertThat(r.event("tx", 3, 17, 5L, "42".getBytes(StandardCharsets.UTF_8), value, null, e)).isNull();
    assertThat(e.entityId()).isEqualTo("42");
    assertThat(e.atHome()).isTrue();
    assertThat(e.eventId()).isEqualTo("tx-3-17");
    assertThat(r.event("tx", 3, 17, 5L, "session-9".getBytes(StandardCharsets.UTF_8), value, "orig-0-4", e)).isNull();
    assertThat(e.atHome()).isFalse();
    assertThat(e.eventId()).isEqualTo("orig-0-4");
    assertThat(r.event("tx", 3, 17, 5L, null, value, null, e)).isNull();
    assertThat(e.atHome()).isFalse();
  }

  @Test
  void labelsInTheUsersShape() {
    InputReader r = reader("num(a, default=0)", 1, Task.BINARY);
    CheckedLabel l = r.newLabel();
    assertThat(r.label("lb", 0, 1, 123L, null, json("{'card': {'id': 'c1'}, 'id': 'e1', 'fraud': true}"), l)).isNull();
    assertThat(l.entityId()).isEqualTo("c1");
    assertThat(l.eventId()).isEqualTo("e1");
    assertThat(l.target()).containsExactly(1f);
    assertThat(l.time()).isEqualTo(123L);
    assertThat(l.atHome()).isFalse();
    assertRejected(r.label("lb", 0, 1, 1L, null, json("{'card': {'id': 'c1'}, 'fraud': 1}"), l), DeadLetterReason.MISSING_FIELD, "id");
    assertRejected(r.label("lb", 0, 1, 1L, null, json("{'card': {'id': 'c1'}, 'id': 'e1'}"), l), DeadLetterReason.MISSING_FIELD, "fraud");
  }
}
