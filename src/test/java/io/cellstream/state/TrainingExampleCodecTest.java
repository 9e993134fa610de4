package io.cellstream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingExampleCodecTest {

  static TrainingExample example() {
    int t = 3;
    int d = 2;
    int h = 4;
    int k = 2;
    float[] inputs = new float[t * d];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = i * 0.5f - 1;
    }
    float[] targets = new float[t * k];
    targets[(t - 1) * k + 1] = 1f;
    return new TrainingExample("card-ü1", "e-42", 41, 1_700_000_000_123L, 3, t, d, h, k,
        new float[] {0.1f, -0.2f, 0.3f, Float.MIN_VALUE}, new float[] {1, 2, 3, 4}, inputs, targets,
        new boolean[] {false, true, true}, new float[] {0.25f, 0.75f});
  }

  @Test
  void roundTrip() {
    TrainingExample e = example();
    TrainingExample back = TrainingExampleCodec.decode(TrainingExampleCodec.encode(e));
    assertThat(back.entityId()).isEqualTo("card-ü1");
    assertThat(back.eventId()).isEqualTo("e-42");
    assertThat(back.labelledStep()).isEqualTo(41);
    assertThat(back.eventTime()).isEqualTo(1_700_000_000_123L);
    assertThat(back.modelVersion()).isEqualTo(3);
    assertThat(back.h0()).containsExactly(e.h0());
    assertThat(back.c0()).containsExactly(e.c0());
    assertThat(back.inputs()).containsExactly(e.inputs());
    assertThat(back.targets()).containsExactly(e.targets());
    assertThat(back.mask()).containsExactly(e.mask());
    assertThat(back.prediction()).containsExactly(e.prediction());
    assertThat(back.labelledSteps()).isEqualTo(2);
  }

  @Test
  void damageIsDetected() {
    byte[] bytes = TrainingExampleCodec.encode(example());
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x01;
      assertThatThrownBy(() -> TrainingExampleCodec.decode(bad)).isInstanceOf(StateFormatException.class);
    }
    for (int n = 0; n < bytes.length; n += 7) {
      byte[] cut = Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> TrainingExampleCodec.decode(cut)).isInstanceOf(StateFormatException.class);
    }
  }

  @Test
  void inconsistentShapesAreRefusedAtConstruction() {
    assertThatThrownBy(() -> new TrainingExample("a", "b", 0, 0, 1, 2, 1, 1, 1,
        new float[1], new float[1], new float[3], new float[2], new boolean[2], new float[1]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputs has 3 values, expected 2");
  }
}
