package io.cellstream.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** cellstream.features: what it parses to, its widths, its one spelling, and the sentences for what it refuses. */
class FeatureListTest {

  @Test
  void widthsOffsetsStandardisedColumnsAndTheCanonicalSpelling() {
    FeatureList l = FeatureList.parse(" num(amount) ,log( card.amount ),bool(online),cat(merchant.code,16, default = none),"
        + "hour(ts, Europe/Paris), weekday(ts), since(ts), prev_target(), num(x, default=0)", 3);
    // widths 1, 1, 1, 16, 2, 2, 1, K + 1 = 4, 1
    assertThat(l.width()).isEqualTo(1 + 1 + 1 + 16 + 2 + 2 + 1 + 4 + 1);
    assertThat(l.offset(3)).isEqualTo(3);
    assertThat(l.offset(4)).isEqualTo(19);
    assertThat(l.offset(7)).isEqualTo(24);
    assertThat(l.offset(8)).isEqualTo(28);
    assertThat(l.standardisedColumns()).containsExactly(0, 1, 28);
    assertThat(l.usesMemory()).isTrue();
    assertThat(l.canonical()).isEqualTo("num(amount), log(card.amount), bool(online), cat(merchant.code, 16, default=none), "
        + "hour(ts, Europe/Paris), weekday(ts), since(ts), prev_target(), num(x, default=0)");
    assertThat(FeatureList.parse(l.canonical(), 3).canonical()).isEqualTo(l.canonical());
    assertThat(l.inputName(5)).isEqualTo("cat(merchant.code, 16, default=none)[2]");
    assertThat(l.inputName(20)).isEqualTo("hour(ts, Europe/Paris).cos");
    assertThat(l.inputName(27)).isEqualTo("prev_target().none");
  }

  @Test
  void aDefaultWithACommaIsQuoted() {
    FeatureList l = FeatureList.parse("cat(city, 4, default=\"n/a, none\")", 1);
    assertThat(l.get(0).defaultValue()).isEqualTo("n/a, none");
    assertThat(l.canonical()).isEqualTo("cat(city, 4, default=\"n/a, none\")");
    assertThat(FeatureList.parse(l.canonical(), 1).get(0).defaultValue()).isEqualTo("n/a, none");
  }

  @Test
  void whatIsRefusedSaysWhy() {
    assertThatThrownBy(() -> FeatureList.parse("", 1)).hasMessageContaining("empty");
    assertThatThrownBy(() -> FeatureList.parse("amount", 1)).hasMessageContaining("num(amount)");
    assertThatThrownBy(() -> FeatureList.parse("sqrt(a)", 1)).hasMessageContaining("unknown transform 'sqrt'");
    assertThatThrownBy(() -> FeatureList.parse("cat(a)", 1)).hasMessageContaining("number of buckets");
    assertThatThrownBy(() -> FeatureList.parse("cat(a, 0)", 1)).hasMessageContaining("1..4096");
    assertThatThrownBy(() -> FeatureList.parse("hour(ts, Mars/Olympus)", 1)).hasMessageContaining("unknown time zone");
    assertThatThrownBy(() -> FeatureList.parse("num(a, default=lots)", 1)).hasMessageContaining("not a finite number");
    assertThatThrownBy(() -> FeatureList.parse("bool(a, default=maybe)", 1)).hasMessageContaining("true, false, 1 or 0");
    assertThatThrownBy(() -> FeatureList.parse("since(ts, default=soon)", 1)).hasMessageContaining("not a time");
    assertThatThrownBy(() -> FeatureList.parse("num(a, b)", 1)).hasMessageContaining("takes 1");
    assertThatThrownBy(() -> FeatureList.parse("num(a, scale=2)", 1)).hasMessageContaining("unknown option");
    assertThatThrownBy(() -> FeatureList.parse("prev_target(a)", 1)).hasMessageContaining("no arguments");
    assertThatThrownBy(() -> FeatureList.parse("prev_target(), prev_target()", 1)).hasMessageContaining("once");
    assertThatThrownBy(() -> FeatureList.parse("num(a..b)", 1)).hasMessageContaining("empty name");
    assertThatThrownBy(() -> FeatureList.parse("num(a", 1)).hasMessageContaining("'('");
    assertThatThrownBy(() -> FeatureList.parse("num(a),,num(b)", 1)).hasMessageContaining("empty entry");
  }
}
