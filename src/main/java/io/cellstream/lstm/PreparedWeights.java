package io.cellstream.lstm;

/**
 * The weights a kernel reads: the flat parameter buffer and, for the Vector API kernel, a packed copy of
 * the gate weights laid out so that a step needs no horizontal sums.
 *
 * <p>Row-major W (4H, D+H) makes every gate pre-activation a dot product that ends in a horizontal sum
 * (4H of them per step). The packed copy is transposed per block of {@code width} hidden units (one
 * vector's lanes):
 *
 * <pre>
 * gates  (blocks, D+H, 4, width)  gates[blk][j][gate][u] = W[gate·H + blk·width + u, j]   (0 past H)
 * bias   (blocks, 4, width)       bias[blk][gate][u]     = b[gate·H + blk·width + u]
 * wy     (K, hPad)                Wy with each row padded by zeros to hPad = blocks·width
 * </pre>
 *
 * so {@code z[blk] += gates[blk][j] · xh[j]} is four vector FMAs per input column, reading memory
 * sequentially, and the i, f, g, o pre-activations of the same units end up in registers together.
 *
 * <p>A {@link Model}'s weights are a private copy and never change; the packed copy is built once per
 * lane width (eagerly for the kernel in use when the model is created) and cached. The trainer uses a
 * live instance over its own parameters and repacks after each update.
 */
public final class PreparedWeights {

  private final ModelSpec spec;
  final float[] params; // Parameters layout
  private volatile Packed packed;

  private PreparedWeights(ModelSpec spec, float[] params) {
    this.spec = spec;
    this.params = params;
  }

  /** Weights over a private copy of {@code p}. */
  public static PreparedWeights copyOf(Parameters p) {
    return new PreparedWeights(p.spec(), p.data().clone());
  }

  /** Weights over {@code p}'s live buffer (not copied): call {@link #repack()} after changing it. */
  public static PreparedWeights live(Parameters p) {
    return new PreparedWeights(p.spec(), p.data());
  }

  public ModelSpec spec() {
    return spec;
  }

  /** A copy of the parameters. */
  public Parameters parametersCopy() {
    return new Parameters(spec, params.clone());
  }

  /** The packed layout for {@code width} lanes, built on first use and cached. */
  Packed packed(int width) {
    Packed p = packed;
    if (p != null && p.width == width) {
      return p;
    }
    synchronized (this) {
      p = packed;
      if (p == null || p.width != width) {
        p = new Packed(spec, width);
        p.fill(params);
        packed = p;
      }
      return p;
    }
  }

  /** Rebuilds the packed copy (if one exists) from the current parameters; for live weights. */
  public void repack() {
    Packed p = packed;
    if (p != null) {
      p.fill(params);
    }
  }

  /** The packed layout; see the class comment. */
  static final class Packed {
    final int width;  // units per block = vector lanes
    final int blocks; // ceil(H / width)
    final int hPad;   // blocks · width
    final float[] gates; // (blocks, D+H, 4, width)
    final float[] bias;  // (blocks, 4, width)
    final float[] wy;    // (K, hPad)
    private final ModelSpec spec;

    Packed(ModelSpec spec, int width) {
      if (width < 1) {
        throw new IllegalArgumentException("pack width must be >= 1, got " + width);
      }
      this.spec = spec;
      this.width = width;
      int h = spec.hiddenSize();
      this.blocks = (h + width - 1) / width;
      this.hPad = blocks * width;
      this.gates = new float[blocks * spec.gateCols() * 4 * width];
      this.bias = new float[blocks * 4 * width];
      this.wy = new float[spec.outputSize() * hPad];
    }

    void fill(float[] params) {
      int h = spec.hiddenSize();
      int cols = spec.gateCols();
      int bOff = spec.gateRows() * cols;
      int wyOff = bOff + spec.gateRows();
      int stride = 4 * width;
      // written in the packed order (sequential stores), reading W by column
      int at = 0;
      for (int blk = 0; blk < blocks; blk++) {
        for (int j = 0; j < cols; j++) {
          for (int gate = 0; gate < 4; gate++) {
            for (int u = 0; u < width; u++) {
              int unit = blk * width + u;
              gates[at++] = unit < h ? params[(gate * h + unit) * cols + j] : 0f;
            }
          }
        }
        for (int gate = 0; gate < 4; gate++) {
          for (int u = 0; u < width; u++) {
            int unit = blk * width + u;
            bias[blk * stride + gate * width + u] = unit < h ? params[bOff + gate * h + unit] : 0f;
          }
        }
      }
      for (int k = 0; k < spec.outputSize(); k++) {
        for (int u = 0; u < hPad; u++) {
          wy[k * hPad + u] = u < h ? params[wyOff + k * h + u] : 0f;
        }
      }
    }
  }
}
