package io.cellstream.bench.stream;

import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Parameters;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What storing h and c in 16 bits instead of 32 would do to the predictions, in-process: every entity is stepped
 * twice from the same inputs, once with float32 memory (what the service stores) and once with its h and c rounded
 * to 16 bits after every step (what a compact encoding would store and read back), and the head outputs are
 * compared at every step. fp16 (10-bit mantissa, max 65504) and bfloat16 (7-bit mantissa, float32's range) for
 * both, and fp16 for h alone.
 *
 * <p>Models: version 1 as the service makes it (uniform ±1/√H, forget bias 5, so c carries a long memory) and the
 * same with its weights tripled, a stand-in for a trained model's larger gains, which amplify a perturbation more.
 */
final class CompactStateCheck {

  /** One encoding on one model: the prediction differences over every step of every entity. */
  record Result(String encoding, double weightScale, int entities, int steps, double maxAbsDiff, double meanAbsDiff,
      long decisionFlips, long predictions) {}

  /** fp16 or bfloat16 for both h and c; fp16 for h alone, c kept in float32 (c is the integrator errors add up in). */
  static final String[] ENCODINGS = {"fp16", "bf16", "fp16-h"};

  /** How each encoding reads in the table. */
  static String describe(String encoding) {
    return switch (encoding) {
      case "fp16" -> "fp16 h, c";
      case "bf16" -> "bf16 h, c";
      case "fp16-h" -> "fp16 h, float32 c";
      default -> encoding;
    };
  }

  /** Largest |Δp| we would accept for a binary probability: a tenth of a percentage point. */
  static final double TOLERANCE = 1e-3;

  private CompactStateCheck() {}

  static List<Result> run(ModelSpec spec, float forgetBias, LstmKernel kernel, int entities, int steps, long seed) {
    List<Result> out = new ArrayList<>();
    for (double scale : new double[] {1, 3}) {
      Model model = Model.of(scaled(Init.uniform(spec, seed, forgetBias), scale), 1, 0, 0);
      for (String encoding : ENCODINGS) {
        out.add(compare(model, kernel, encoding, scale, entities, steps, seed));
      }
    }
    return out;
  }

  private static Result compare(Model model, LstmKernel kernel, String encoding, double scale, int entities, int steps,
      long seed) {
    ModelSpec s = model.spec();
    int d = s.inputSize();
    int hs = s.hiddenSize();
    float[] x = new float[d];
    float[] h = new float[hs];     // (H) float32 memory
    float[] c = new float[hs];
    float[] hq = new float[hs];    // (H) the memory as a 16-bit encoding stores it
    float[] cq = new float[hs];
    float[] y = new float[s.outputSize()];
    float[] yq = new float[s.outputSize()];
    SplittableRandom r = new SplittableRandom(seed);
    double max = 0;
    double sum = 0;
    long flips = 0;
    long n = 0;
    for (int e = 0; e < entities; e++) {
      java.util.Arrays.fill(h, 0f);
      java.util.Arrays.fill(c, 0f);
      java.util.Arrays.fill(hq, 0f);
      java.util.Arrays.fill(cq, 0f);
      for (int t = 0; t < steps; t++) {
        for (int j = 0; j < d; j++) {
          x[j] = (float) r.nextGaussian();
        }
        kernel.step(model, x, 0, h, c, null, y);
        kernel.step(model, x, 0, hq, cq, null, yq);
        round(hq, encoding.startsWith("fp16") ? "fp16" : encoding);
        if (!encoding.endsWith("-h")) {
          round(cq, encoding);
        }
        double diff = Math.abs(y[0] - yq[0]);
        max = Math.max(max, diff);
        sum += diff;
        if ((y[0] >= 0.5f) != (yq[0] >= 0.5f)) {
          flips++;
        }
        n++;
      }
    }
    return new Result(encoding, scale, entities, steps, max, sum / n, flips, n);
  }

  /** W and Wy times {@code scale}; biases (the forget bias among them) as they are. */
  private static Parameters scaled(Parameters p, double scale) {
    float[] v = p.data();
    ModelSpec s = p.spec();
    int w = s.gateRows() * s.gateCols();       // W (4H, D+H)
    int wy = w + s.gateRows();                  // after b (4H): Wy (K, H)
    for (int i = 0; i < w; i++) {
      v[i] *= (float) scale;
    }
    for (int i = wy; i < wy + s.outputSize() * s.hiddenSize(); i++) {
      v[i] *= (float) scale;
    }
    return p;
  }

  static void round(float[] v, String encoding) {
    for (int i = 0; i < v.length; i++) {
      v[i] = switch (encoding) {
        case "fp16" -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
        case "bf16" -> bfloat16(v[i]);
        default -> throw new IllegalArgumentException(encoding);
      };
    }
  }

  /** Round to nearest even on the upper 16 bits (finite inputs). */
  static float bfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
    return Float.intBitsToFloat(rounded);
  }
}
