package io.cellstream.lstm;

/**
 * Adam with PyTorch's semantics (torch.optim.Adam, no weight decay):
 *
 * <pre>
 * t += 1
 * m = β1·m + (1-β1)·g
 * v = β2·v + (1-β2)·g²
 * v̂ = amsgrad ? max(v̂, v) : v
 * p = p - lr · (m / (1-β1^t)) / (sqrt(v̂) / sqrt(1-β2^t) + eps)
 * </pre>
 *
 * Works on any flat buffer (the LSTM's {@link Parameters#data()}, a baseline's weights): m and v share
 * the parameters' layout, so the update is one loop. An update that would make any parameter, m or v
 * non-finite is refused and leaves everything as it was.
 */
public final class Adam {

  private final AdamConfig config;
  private final float[] m; // first moment, same layout as the parameters
  private final float[] v; // second moment, same layout as the parameters
  private final float[] vMax; // amsgrad: the largest v so far, same layout; null when amsgrad is off
  private long step;       // updates applied so far (t)
  // candidate parameters and moments (n each), so that a refused update changes nothing; three arrays,
  // not one with offsets, so that C2 can tell the stores apart and vectorise the update loop
  private float[] nextParams;
  private float[] nextM;
  private float[] nextV;
  private float[] nextVMax;

  public Adam(AdamConfig config, int size) {
    this(config, new float[size], new float[size], config.amsgrad() ? new float[size] : null, 0);
  }

  /** Restores a saved optimiser without amsgrad state: {@code m}, {@code v} are taken as they are. */
  public Adam(AdamConfig config, float[] m, float[] v, long step) {
    this(config, m, v, config.amsgrad() ? v.clone() : null, step);
  }

  /**
   * Restores a saved optimiser: {@code m}, {@code v} and {@code vMax} are taken as they are (not copied);
   * {@code vMax} is required when {@code config.amsgrad()} and ignored otherwise.
   */
  public Adam(AdamConfig config, float[] m, float[] v, float[] vMax, long step) {
    if (m.length != v.length) {
      throw new IllegalArgumentException("m and v differ in length: " + m.length + " vs " + v.length);
    }
    if (config.amsgrad() && (vMax == null || vMax.length != v.length)) {
      throw new IllegalArgumentException("amsgrad needs vMax of " + v.length + " values");
    }
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    this.config = config;
    this.m = m;
    this.v = v;
    this.vMax = config.amsgrad() ? vMax : null;
    this.step = step;
  }

  /**
   * Applies one update to {@code params} from {@code grads}. Returns false, and changes nothing, when
   * a gradient is non-finite or the update would make a parameter or a moment non-finite.
   */
  public boolean step(float[] params, float[] grads) {
    int n = m.length;
    if (params.length != n || grads.length != n) {
      throw new IllegalArgumentException(
          "Adam sized for " + n + " parameters, got params " + params.length + ", grads " + grads.length);
    }
    if (nextParams == null) {
      nextParams = new float[n];
      nextM = new float[n];
      nextV = new float[n];
      nextVMax = vMax == null ? null : new float[n];
    }
    long t = step + 1;
    float b1 = config.beta1();
    float b2 = config.beta2();
    // Bias corrections in double, as PyTorch computes them in Python floats.
    double bc1 = 1.0 - Math.pow(b1, t);
    double bc2 = 1.0 - Math.pow(b2, t);
    float stepSize = (float) (config.learningRate() / bc1);
    float bc2Sqrt = (float) Math.sqrt(bc2);
    float eps = config.eps();
    // One branch-free pass (so that C2 can vectorise it) into the scratch, then a check: a non-finite
    // value anywhere refuses the whole update, and nothing has been touched yet.
    float[] np = nextParams;
    float[] nm = nextM;
    float[] nv = nextV;
    if (vMax == null) {
      for (int i = 0; i < n; i++) {
        float g = grads[i];
        float mi = b1 * m[i] + (1 - b1) * g;
        float vi = b2 * v[i] + (1 - b2) * g * g;
        float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
        np[i] = params[i] - stepSize * mi / denom;
        nm[i] = mi;
        nv[i] = vi;
      }
    } else {
      float[] nx = nextVMax;
      for (int i = 0; i < n; i++) {
        float g = grads[i];
        float mi = b1 * m[i] + (1 - b1) * g;
        float vi = b2 * v[i] + (1 - b2) * g * g;
        float vx = Math.max(vMax[i], vi);
        float denom = (float) Math.sqrt(vx) / bc2Sqrt + eps;
        np[i] = params[i] - stepSize * mi / denom;
        nm[i] = mi;
        nv[i] = vi;
        nx[i] = vx;
      }
    }
    int nonFinite = 0;
    for (int i = 0; i < n; i++) {
      nonFinite |= exponentAllOnes(np[i]) | exponentAllOnes(nm[i]) | exponentAllOnes(nv[i]);
    }
    if (nonFinite != 0) {
      return false;
    }
    System.arraycopy(np, 0, params, 0, n);
    System.arraycopy(nm, 0, m, 0, n);
    System.arraycopy(nv, 0, v, 0, n);
    if (vMax != null) {
      System.arraycopy(nextVMax, 0, vMax, 0, n);
    }
    step = t;
    return true;
  }

  /** 1 when x is infinite or NaN (its exponent bits are all ones), else 0; branch-free. */
  private static int exponentAllOnes(float x) {
    return ((Float.floatToRawIntBits(x) & 0x7F800000) + 0x00800000) >>> 31;
  }

  public AdamConfig config() {
    return config;
  }

  /** First moments (not a copy). */
  public float[] m() {
    return m;
  }

  /** Second moments (not a copy). */
  public float[] v() {
    return v;
  }

  /** The largest second moments so far (amsgrad; not a copy), or null when amsgrad is off. */
  public float[] vMax() {
    return vMax;
  }

  /** Updates applied so far. */
  public long steps() {
    return step;
  }

  public int size() {
    return m.length;
  }
}
