package io.cellstream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EntityStateTest {

  /** A fake "LSTM" that makes h, c depend on every input so checkpoints can be recognised. */
  private static void fakeStep(EntityState s, float[] x) {
    for (int j = 0; j < s.hiddenSize(); j++) {
      s.h[j] = s.h[j] * 0.5f + x[0] + j;
      s.c[j] = s.c[j] + x[0];
    }
  }

  private static List<float[]> run(EntityState s, int steps) {
    List<float[]> before = new ArrayList<>(); // (h|c) before each step
    for (int t = 0; t < steps; t++) {
      float[] x = {t + 1f, -t};
      float[] hc = new float[2 * s.hiddenSize()];
      System.arraycopy(s.h, 0, hc, 0, s.hiddenSize());
      System.arraycopy(s.c, 0, hc, s.hiddenSize(), s.hiddenSize());
      before.add(hc);
      s.beginStep("ev" + t, 1000L + t, x, 0);
      fakeStep(s, x);
      float[] gates = new float[4 * s.hiddenSize()];
      java.util.Arrays.fill(gates, 0.5f);
      s.endStep(new float[] {t * 0.1f}, gates, 7, 1000L + t);
    }
    return before;
  }

  @Property(tries = 200)
  void windowCoversWStepsAndEveryStepReplaysFromACheckpoint(
      @ForAll @IntRange(min = 1, max = 20) int window,
      @ForAll @IntRange(min = 1, max = 9) int every,
      @ForAll @IntRange(min = 0, max = 80) int steps,
      @ForAll @IntRange(min = 1, max = 30) int bptt) {
    EntityState s = new EntityState(2, 3, 1, window, every);
    List<float[]> before = run(s, steps);
    assertThat(s.eventsSeen).isEqualTo(steps);
    int expectedMin = Math.min(window, steps);
    assertThat(s.windowCount()).isBetween(expectedMin, window + every - 1);
    assertThat(s.firstStep() % every).isZero();
    assertThat(s.firstStep() + s.windowCount()).isEqualTo(steps);
    for (long step = s.firstStep(); step < steps; step++) {
      assertThat(s.findStep("ev" + step)).isEqualTo(step);
      assertThat(s.eventTime(step)).isEqualTo(1000L + step);
      float[] x = new float[2];
      s.copyInput(step, x, 0);
      assertThat(x[0]).isEqualTo(step + 1f);
      float[] y = new float[1];
      s.copyPrediction(step, y, 0);
      assertThat(y[0]).isEqualTo(step * 0.1f);
      long start = s.windowStartFor(step, bptt);
      assertThat(start).isBetween(s.firstStep(), step);
      assertThat(start % every).isZero();
      if (step - bptt + 1 >= s.firstStep()) {
        assertThat(step - start + 1).isBetween((long) bptt, (long) bptt + every - 1);
      }
      float[] h0 = new float[3];
      float[] c0 = new float[3];
      s.copyCheckpoint(start, h0, c0);
      float[] expected = before.get((int) start);
      assertThat(h0).containsExactly(java.util.Arrays.copyOfRange(expected, 0, 3));
      assertThat(c0).containsExactly(java.util.Arrays.copyOfRange(expected, 3, 6));
    }
    if (s.firstStep() > 0) {
      assertThat(s.findStep("ev" + (s.firstStep() - 1))).isEqualTo(EntityState.NO_STEP);
    }
  }

  @Test
  void inferenceOnlyKeepsNoWindow() {
    EntityState s = new EntityState(2, 3, 1, 0, 4);
    run(s, 10);
    assertThat(s.hasWindow()).isFalse();
    assertThat(s.windowCount()).isZero();
    assertThat(s.findStep("ev9")).isEqualTo(EntityState.NO_STEP);
    byte[] bytes = new EntityStateCodec().encode(s);
    // 2H + K floats, 3H gate bytes and a fixed header (the two counts of departed ids and held labels since
    // version 2; the input position and the counts of kept predictions and feature-memory bytes since
    // version 3; the label position since version 4): the size a user can plan for.
    assertThat(bytes.length).isEqualTo(4 + 2 + 2 + 20 + 24 + 4 * (3 + 3 + 1) + 9 + 8 + 4 + 4 + 4 + (4 + 8 + 4 + 4) + (4 + 8) + 4);
  }

  @Test
  void gatesAreQuantisedIfo() {
    EntityState s = new EntityState(1, 2, 1, 0, 1);
    s.beginStep("a", 0, new float[] {1}, 0);
    // (4H) = i0 i1 f0 f1 g0 g1 o0 o1
    s.endStep(new float[] {0.3f}, new float[] {0f, 1f, 0.5f, 0.25f, -1f, 1f, 0.75f, 0.1f}, 1, 0);
    assertThat(s.gate(0, 0)).isZero();
    assertThat(s.gate(0, 1)).isEqualTo(1f);
    assertThat(s.gate(1, 0)).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1f / 255));
    assertThat(s.gate(2, 0)).isCloseTo(0.75f, org.assertj.core.data.Offset.offset(1f / 255));
    assertThat(s.gate(2, 1)).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(1f / 255));
  }

  @Test
  void stepOutsideTheWindowIsRefused() {
    EntityState s = new EntityState(2, 3, 1, 4, 2);
    run(s, 20);
    assertThatThrownBy(() -> s.copyInput(0, new float[2], 0)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
