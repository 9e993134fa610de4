package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Normalisation statistics: Welford's update and the standardisation, against values computed by hand. */
class InputStatisticsTest {

  @Test
  void welfordOverRowsAndTheStandardisedInputs() {
    // D = 3, columns 0 and 2 standardised; column 1 passes through
    InputStatistics s = InputStatistics.empty("num(a), bool(b), num(c)", 3, new int[] {0, 2});
    float[] u = {7f, 1f, -3f};
    float[] x = new float[3];
    s.standardise(u, 0, x, 0, 1);
    assertThat(x).containsExactly(7f, 1f, -3f); // nothing learned yet: as they come

    // column 0 sees 1, 2, 3, 4: mean 2.5, population variance 1.25; column 2 sees 5 four times (constant)
    float[] rows = {1, 0, 5, 2, 1, 5, 3, 0, 5, 4, 1, 5};
    InputStatistics learned = s.plus(rows, 4);
    assertThat(s.count(0)).as("immutable").isZero();
    assertThat(learned.count(0)).isEqualTo(4);
    assertThat(learned.mean(0)).isEqualTo(2.5);
    assertThat(learned.m2(0) / learned.count(0)).isCloseTo(1.25, within(1e-12));
    learned.standardise(new float[] {4f, 1f, 6f}, 0, x, 0, 1);
    assertThat(x[0]).isCloseTo(1.3416407864998738f, within(1e-6f)); // (4 - 2.5) / √1.25
    assertThat(x[1]).isEqualTo(1f);
    assertThat(x[2]).isEqualTo(1f);                                  // constant so far: centred only, 6 - 5

    // in place, several rows at an offset
    float[] block = {9, 4f, 1f, 5f, 10f, 0f, 5f};
    learned.standardise(block, 1, block, 1, 2);
    assertThat(block[0]).isEqualTo(9f);
    assertThat(block[1]).isCloseTo(1.3416407864998738f, within(1e-6f));
    assertThat(block[4]).isCloseTo(6.7082039324993685f, within(1e-5f)); // (10 - 2.5) / √1.25
    assertThat(block[6]).isEqualTo(0f);

    // one row at a time gives the same as all at once
    InputStatistics stepwise = s;
    for (int r = 0; r < 4; r++) {
      stepwise = stepwise.plus(java.util.Arrays.copyOfRange(rows, 3 * r, 3 * r + 3), 1);
    }
    assertThat(stepwise).isEqualTo(learned);
  }

  @Test
  void theSnapshotCarriesThemAndTheTrainersRecordToo() {
    InputStatistics s = InputStatistics.empty("log(x), cat(y, 2)", 3, new int[] {0}).plus(new float[] {1, 0, 1, 3, 1, 0}, 2);
    Model m = Model.of(Init.uniform(new ModelSpec(3, 2, 1, Task.BINARY), 1, 1f), s, 5, 9, 2);
    Model back = ModelSnapshotCodec.decode(ModelSnapshotCodec.encode(m));
    assertThat(back.statistics()).isEqualTo(s);
    assertThat(back.statistics().features()).isEqualTo("log(x), cat(y, 2)");
    assertThat(InputStatisticsCodec.decode(InputStatisticsCodec.encode(s))).isEqualTo(s);
    byte[] bytes = ModelSnapshotCodec.encode(m);
    assertThat(bytes[4]).as("format 2").isEqualTo((byte) 2);
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 10);
    assertThatThrownBy(() -> ModelSnapshotCodec.decode(cut)).isInstanceOf(SnapshotFormatException.class);
    byte[] bad = InputStatisticsCodec.encode(s);
    bad[12] ^= 1;
    assertThatThrownBy(() -> InputStatisticsCodec.decode(bad)).isInstanceOf(SnapshotFormatException.class);
    // a model that reads ready-made features is still written as format 1, byte for byte as before
    Model plain = Model.of(Init.uniform(new ModelSpec(3, 2, 1, Task.BINARY), 1, 1f), 5, 9, 2);
    assertThat(ModelSnapshotCodec.encode(plain)[4]).isEqualTo((byte) 1);
  }
}
