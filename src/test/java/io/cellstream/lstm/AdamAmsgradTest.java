package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** amsgrad as torch.optim.Adam(amsgrad=True) computes it, against a float64 reference written out. */
class AdamAmsgradTest {

  @Test
  void followsPyTorchsAmsgradStepByStep() {
    AdamConfig c = new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f, true);
    float[] p = {0.5f, -0.25f};
    float[][] grads = {{1.0f, -0.5f}, {0.01f, 2.0f}, {0.0f, 0.001f}, {-3.0f, 0.0f}};
    Adam adam = new Adam(c, 2);
    double[] rp = {0.5, -0.25};
    double[] m = new double[2];
    double[] v = new double[2];
    double[] vMax = new double[2];
    for (int t = 1; t <= grads.length; t++) {
      assertThat(adam.step(p, grads[t - 1])).isTrue();
      double bc1 = 1 - Math.pow(0.9, t);
      double bc2 = 1 - Math.pow(0.999, t);
      for (int i = 0; i < 2; i++) {
        double g = grads[t - 1][i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        vMax[i] = Math.max(vMax[i], v[i]);
        rp[i] -= 0.01 / bc1 * m[i] / (Math.sqrt(vMax[i]) / Math.sqrt(bc2) + 1e-8);
        assertThat((double) p[i]).as("param %d after step %d", i, t).isCloseTo(rp[i], within(1e-6));
        assertThat((double) adam.vMax()[i]).isCloseTo(vMax[i], within(1e-4 * vMax[i] + 1e-12)); // float32 (1 - 0.999f) is 1.3e-5 off
      }
    }
  }

  @Test
  void afterTinyGradientsARareLargeOneMovesFarLessThanWithPlainAdam() {
    // The online failure it exists for: a model that is right sees tiny gradients for a long time, then one error.
    float[] plain = {0f};
    float[] ams = {0f};
    Adam a = new Adam(new AdamConfig(0.001f, 0.9f, 0.999f, 1e-8f), 1);
    Adam b = new Adam(new AdamConfig(0.001f, 0.9f, 0.999f, 1e-8f, true), 1);
    for (int t = 0; t < 200; t++) { // learning: gradients of order 1
      a.step(plain, new float[] {1f});
      b.step(ams, new float[] {1f});
    }
    for (int t = 0; t < 20_000; t++) { // learned: gradients ~1e-7
      a.step(plain, new float[] {1e-7f});
      b.step(ams, new float[] {1e-7f});
    }
    float beforePlain = plain[0];
    float beforeAms = ams[0];
    a.step(plain, new float[] {1f}); // one rare error
    b.step(ams, new float[] {1f});
    float jumpPlain = Math.abs(plain[0] - beforePlain);
    float jumpAms = Math.abs(ams[0] - beforeAms);
    // Plain: v has decayed to ~1e-10, so the error's step is lr·0.1/sqrt(0.001) ≈ 3.2·lr in this coordinate (and
    // in every other at once, in a real model). amsgrad divides by the learning phase's sqrt(v̂) ≈ 0.43: 0.23·lr.
    assertThat(jumpPlain).as("plain Adam's step after the error").isGreaterThan(2.5f * 0.001f);
    assertThat(jumpAms).as("amsgrad's step after the error").isLessThan(0.3f * 0.001f);
    assertThat(jumpPlain / jumpAms).isGreaterThan(10f);
  }

  @Test
  void amsgradStateRoundTripsAndPlainAdamStillWritesVersion1() {
    Adam a = new Adam(new AdamConfig(0.01f, 0.9f, 0.999f, 1e-8f, true), 5);
    float[] p = new float[5];
    a.step(p, new float[] {1, -2, 3, -4, 5});
    a.step(p, new float[] {0.1f, 0, 0, 0, 0});
    byte[] bytes = OptimizerStateCodec.encode(a);
    assertThat(bytes[4]).isEqualTo((byte) 2); // format version 2
    Adam back = OptimizerStateCodec.decode(bytes, 5);
    assertThat(back.config().amsgrad()).isTrue();
    assertThat(back.vMax()).containsExactly(a.vMax());
    assertThat(back.v()).containsExactly(a.v());
    assertThat(back.steps()).isEqualTo(2);

    Adam plain = new Adam(AdamConfig.DEFAULTS, 5);
    assertThat(OptimizerStateCodec.encode(plain)[4]).isEqualTo((byte) 1);
    assertThat(OptimizerStateCodec.decode(OptimizerStateCodec.encode(plain)).vMax()).isNull();
  }
}
