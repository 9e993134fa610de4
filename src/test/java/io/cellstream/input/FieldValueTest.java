package io.cellstream.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a field is read as a time, a number and a boolean: the input layer's one set of rules. */
class FieldValueTest {

  private static Long time(Object v) {
    FieldValue f = new FieldValue();
    switch (v) {
      case String s -> f.setText(s);
      case Long l -> f.setInteger(l);
      case Double d -> f.setReal(d);
      default -> throw new IllegalArgumentException();
    }
    return f.readTime() ? f.asMillis : null;
  }

  @Test
  void timesByMagnitudeOrIso8601() {
    assertThat(time(1_714_570_200L)).isEqualTo(1_714_570_200_000L);          // seconds
    assertThat(time(1_714_570_200.5)).isEqualTo(1_714_570_200_500L);         // seconds with a fraction
    assertThat(time(1_714_570_200_000L)).isEqualTo(1_714_570_200_000L);      // milliseconds
    assertThat(time(1_714_570_200_000_123L)).isEqualTo(1_714_570_200_000L);  // microseconds
    assertThat(time(1_714_570_200_000_123_456L)).isEqualTo(1_714_570_200_000L); // nanoseconds
    assertThat(time("1714570200")).isEqualTo(1_714_570_200_000L);
    assertThat(time("2024-05-01T13:30:00Z")).isEqualTo(1_714_570_200_000L);
    assertThat(time("2024-05-01T15:30:00+02:00")).isEqualTo(1_714_570_200_000L);
    assertThat(time("2024-05-01T13:30:00")).isEqualTo(1_714_570_200_000L);  // no offset: UTC
    assertThat(time("2024-05-01 13:30:00")).isEqualTo(1_714_570_200_000L);
    assertThat(time("2024-05-01")).isEqualTo(1_714_521_600_000L);           // its midnight, UTC
    assertThat(time("soon")).isNull();
    assertThat(time("")).isNull();
  }

  @Test
  void numbersAndBooleans() {
    FieldValue f = new FieldValue();
    f.setText(" 2.5e1 ");
    assertThat(f.readNumber()).isTrue();
    assertThat(f.asNumber).isEqualTo(25.0);
    for (String bad : new String[] {"NaN", "Infinity", "0x10", "1,5", "", "-"}) {
      f.setText(bad);
      assertThat(f.readNumber()).as(bad).isFalse();
    }
    f.setReal(Double.POSITIVE_INFINITY);
    assertThat(f.readNumber()).isFalse();
    f.setBoolean(true);
    assertThat(f.readNumber()).as("a boolean is not a number").isFalse();
    assertThat(f.readBoolean()).isTrue();
    f.setInteger(0);
    assertThat(f.readBoolean()).isTrue();
    assertThat(f.asBoolean).isFalse();
    f.setInteger(2);
    assertThat(f.readBoolean()).isFalse();
    f.setText("False");
    assertThat(f.readBoolean()).isTrue();
    assertThat(f.asBoolean).isFalse();
  }
}
