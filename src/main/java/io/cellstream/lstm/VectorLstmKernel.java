package io.cellstream.lstm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernel. Lanes run over hidden units: the gate weights are packed per block of
 * {@code L} units ({@link PreparedWeights}), so that for every input column j the four gate
 * pre-activations of a block grow by one FMA each, {@code z_gate += W[gate][blk][j] · xh[j]}, with
 * xh[j] broadcast, and no horizontal sum is needed. Each block's i, f, g, o end up in registers together,
 * so the cell update follows at once, before the next block.
 *
 * <p>Single step: two sets of four accumulators (even/odd columns) keep the FMA pipes busy; the step
 * streams the packed weights once (at H ≥ 64 they live in L2, so the step is bound by L2 bandwidth).
 * Batch step: the same blocks, but each block of weights (4·L·(D+H) floats, L1-sized) is used for all
 * entities before the next block, with {@code ENTITIES_PER_PASS} entities' accumulators in flight, so the
 * weights come from L1 and every loaded weight vector feeds several FMAs.
 *
 * <p>σ and tanh use a rational approximation of tanh (the [13/6] minimax form used by Eigen for float),
 * clamped to ±7.9053, max abs error about 4e-7 against Math.tanh; σ(z) = ½ + ½·tanh(z/2). It is FMAs and
 * one division, so it vectorises without the math library and allocates nothing.
 *
 * <p>No lambdas and only small static helpers: any vector that escapes a compiled method is boxed (the
 * allocation test holds this to zero bytes per step).
 */
final class VectorLstmKernel implements LstmKernel {

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  // tanh(x) ≈ x·P(x²)/Q(x²) on [-CLAMP, CLAMP]; beyond, tanh is ±1 to float precision.
  private static final float CLAMP = 7.90531110763549805f;
  private static final float A1 = 4.89352455891786e-03f;
  private static final float A3 = 6.37261928875436e-04f;
  private static final float A5 = 1.48572235717979e-05f;
  private static final float A7 = 5.12229709037114e-08f;
  private static final float A9 = -8.60467152213735e-11f;
  private static final float A11 = 2.00018790482477e-13f;
  private static final float A13 = -2.76076847742355e-16f;
  private static final float B0 = 4.89352518554385e-03f;
  private static final float B2 = 2.26843463243900e-03f;
  private static final float B4 = 1.18534705686654e-04f;
  private static final float B6 = 1.19825839466702e-06f;

  VectorLstmKernel() {}

  @Override
  public String name() {
    return "vector";
  }

  /** Lanes per vector (the packing width of the weights). */
  static int lanes() {
    return L;
  }

  @Override
  public StepWorkspace newWorkspace(ModelSpec spec) {
    return new StepWorkspace(spec, L);
  }

  @Override
  public BatchWorkspace newBatchWorkspace(ModelSpec spec, int initialCapacity) {
    return new BatchWorkspace(spec, L, initialCapacity);
  }

  // ---------------------------------------------------------------- single step

  @Override
  public void step(PreparedWeights w, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y,
      StepWorkspace ws) {
    ModelSpec s = w.spec();
    ws.check(s);
    int d = s.inputSize();
    int hs = s.hiddenSize();
    int k = s.outputSize();
    if (xOffset < 0 || xOffset + d > x.length) {
      throw new IllegalArgumentException("x needs D=" + d + " floats from offset " + xOffset + ", has " + x.length);
    }
    Inputs.requireLength(h, hs, "h");
    Inputs.requireLength(c, hs, "c");
    Inputs.requireFinite(x, xOffset, d, "x");
    PreparedWeights.Packed p = w.packed(L);
    if (ws.hPad != p.hPad) {
      throw new IllegalArgumentException("workspace was not made by the vector kernel");
    }
    float[] pg = p.gates;    // (blocks, D+H, 4, L)
    float[] pb = p.bias;     // (blocks, 4, L)
    int hPad = p.hPad;
    int stride = 4 * L;      // floats per packed column of a block
    float[] cPad = ws.cPad;  // (hPad) c in, c' out; padding lanes stay 0
    float[] hNew = ws.hNew;  // (hPad) h'
    float[] g = ws.gates;    // (4, hPad)
    System.arraycopy(c, 0, cPad, 0, hs);

    int o = 0; // offset into pg: walks the packed weights once, block after block
    for (int blk = 0; blk < p.blocks; blk++) {
      int bb = blk * stride;
      // z = b + Σ_j W[:, j]·xh[j] for this block's units; z* on even columns, y* on odd ones.
      FloatVector zi = FloatVector.fromArray(SPECIES, pb, bb);
      FloatVector zf = FloatVector.fromArray(SPECIES, pb, bb + L);
      FloatVector zg = FloatVector.fromArray(SPECIES, pb, bb + 2 * L);
      FloatVector zo = FloatVector.fromArray(SPECIES, pb, bb + 3 * L);
      FloatVector yi = FloatVector.zero(SPECIES);
      FloatVector yf = FloatVector.zero(SPECIES);
      FloatVector yg = FloatVector.zero(SPECIES);
      FloatVector yo = FloatVector.zero(SPECIES);
      // columns [0, D): x
      int j = 0;
      for (; j + 1 < d; j += 2, o += 2 * stride) {
        FloatVector v0 = FloatVector.broadcast(SPECIES, x[xOffset + j]);
        FloatVector v1 = FloatVector.broadcast(SPECIES, x[xOffset + j + 1]);
        zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
        zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
        zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
        zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
        yi = FloatVector.fromArray(SPECIES, pg, o + stride).fma(v1, yi);
        yf = FloatVector.fromArray(SPECIES, pg, o + stride + L).fma(v1, yf);
        yg = FloatVector.fromArray(SPECIES, pg, o + stride + 2 * L).fma(v1, yg);
        yo = FloatVector.fromArray(SPECIES, pg, o + stride + 3 * L).fma(v1, yo);
      }
      if (j < d) {
        FloatVector v0 = FloatVector.broadcast(SPECIES, x[xOffset + j]);
        zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
        zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
        zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
        zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
        o += stride;
      }
      // columns [D, D+H): h
      int u = 0;
      for (; u + 1 < hs; u += 2, o += 2 * stride) {
        FloatVector v0 = FloatVector.broadcast(SPECIES, h[u]);
        FloatVector v1 = FloatVector.broadcast(SPECIES, h[u + 1]);
        zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
        zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
        zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
        zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
        yi = FloatVector.fromArray(SPECIES, pg, o + stride).fma(v1, yi);
        yf = FloatVector.fromArray(SPECIES, pg, o + stride + L).fma(v1, yf);
        yg = FloatVector.fromArray(SPECIES, pg, o + stride + 2 * L).fma(v1, yg);
        yo = FloatVector.fromArray(SPECIES, pg, o + stride + 3 * L).fma(v1, yo);
      }
      if (u < hs) {
        FloatVector v0 = FloatVector.broadcast(SPECIES, h[u]);
        zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
        zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
        zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
        zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
        o += stride;
      }
      // nonlinearities and the cell update for units [blk·L, blk·L + L)
      int off = blk * L;
      FloatVector ig = sigmoid(zi.add(yi));
      FloatVector fg = sigmoid(zf.add(yf));
      FloatVector gg = tanh(zg.add(yg));
      FloatVector og = sigmoid(zo.add(yo));
      FloatVector cNew = fg.mul(FloatVector.fromArray(SPECIES, cPad, off)).add(ig.mul(gg));
      cNew.intoArray(cPad, off);
      og.mul(tanh(cNew)).intoArray(hNew, off);
      ig.intoArray(g, off);
      fg.intoArray(g, hPad + off);
      gg.intoArray(g, 2 * hPad + off);
      og.intoArray(g, 3 * hPad + off);
    }
    System.arraycopy(hNew, 0, h, 0, hs);
    System.arraycopy(cPad, 0, c, 0, hs);
    if (gates != null) {
      System.arraycopy(g, 0, gates, 0, hs);
      System.arraycopy(g, hPad, gates, hs, hs);
      System.arraycopy(g, 2 * hPad, gates, 2 * hs, hs);
      System.arraycopy(g, 3 * hPad, gates, 3 * hs, hs);
    }
    head(p, w.params, s, hNew, 0, ws.logits);
    if (y != null) {
      Head.activate(s.task(), ws.logits, 0, y, 0, k);
    }
  }

  /** logits = by + Wy h', with Wy padded to hPad and h' read from {@code hv[hOff, hOff+hPad)}. */
  private static void head(PreparedWeights.Packed p, float[] params, ModelSpec s, float[] hv, int hOff,
      float[] logits) {
    int hPad = p.hPad;
    float[] wy = p.wy; // (K, hPad)
    int byOff = params.length - s.outputSize();
    for (int o = 0; o < s.outputSize(); o++) {
      FloatVector acc = FloatVector.zero(SPECIES);
      int row = o * hPad;
      for (int u = 0; u < hPad; u += L) {
        acc = FloatVector.fromArray(SPECIES, wy, row + u).fma(FloatVector.fromArray(SPECIES, hv, hOff + u), acc);
      }
      logits[o] = params[byOff + o] + acc.reduceLanes(VectorOperators.ADD);
    }
  }

  // ---------------------------------------------------------------- batch step

  @Override
  public void stepBatch(PreparedWeights w, int n, float[] x, float[] h, float[] c, float[] y, BatchWorkspace ws) {
    ModelSpec s = w.spec();
    ws.check(s);
    Inputs.checkBatch(s, n, x, h, c, y);
    PreparedWeights.Packed p = w.packed(L);
    if (ws.hPad != p.hPad) {
      throw new IllegalArgumentException("batch workspace was not made by the vector kernel");
    }
    ws.ensure(n);
    int d = s.inputSize();
    int hs = s.hiddenSize();
    int k = s.outputSize();
    int hPad = p.hPad;
    int cols = d + hs;
    int stride = 4 * L;
    float[] pg = p.gates;
    float[] pb = p.bias;
    float[] hNew = ws.hNew; // (n, hPad)

    // Block of units outer, entities inner: one block's weights (4·L·(D+H) floats) stay in L1 while
    // every entity uses them; two entities per pass share each loaded weight vector.
    for (int blk = 0; blk < p.blocks; blk++) {
      int wBase = blk * cols * stride;
      int bb = blk * stride;
      int unit0 = blk * L;
      int e = 0;
      for (; e + 1 < n; e += 2) {
        FloatVector ai = FloatVector.fromArray(SPECIES, pb, bb);
        FloatVector af = FloatVector.fromArray(SPECIES, pb, bb + L);
        FloatVector ag = FloatVector.fromArray(SPECIES, pb, bb + 2 * L);
        FloatVector ao = FloatVector.fromArray(SPECIES, pb, bb + 3 * L);
        FloatVector bi = ai;
        FloatVector bf = af;
        FloatVector bg = ag;
        FloatVector bo = ao;
        int xa = e * d;
        int xb = xa + d;
        int o = wBase;
        for (int j = 0; j < d; j++, o += stride) {
          FloatVector va = FloatVector.broadcast(SPECIES, x[xa + j]);
          FloatVector vb = FloatVector.broadcast(SPECIES, x[xb + j]);
          FloatVector wv = FloatVector.fromArray(SPECIES, pg, o);
          ai = wv.fma(va, ai);
          bi = wv.fma(vb, bi);
          wv = FloatVector.fromArray(SPECIES, pg, o + L);
          af = wv.fma(va, af);
          bf = wv.fma(vb, bf);
          wv = FloatVector.fromArray(SPECIES, pg, o + 2 * L);
          ag = wv.fma(va, ag);
          bg = wv.fma(vb, bg);
          wv = FloatVector.fromArray(SPECIES, pg, o + 3 * L);
          ao = wv.fma(va, ao);
          bo = wv.fma(vb, bo);
        }
        int ha = e * hs;
        int hb = ha + hs;
        for (int u = 0; u < hs; u++, o += stride) {
          FloatVector va = FloatVector.broadcast(SPECIES, h[ha + u]);
          FloatVector vb = FloatVector.broadcast(SPECIES, h[hb + u]);
          FloatVector wv = FloatVector.fromArray(SPECIES, pg, o);
          ai = wv.fma(va, ai);
          bi = wv.fma(vb, bi);
          wv = FloatVector.fromArray(SPECIES, pg, o + L);
          af = wv.fma(va, af);
          bf = wv.fma(vb, bf);
          wv = FloatVector.fromArray(SPECIES, pg, o + 2 * L);
          ag = wv.fma(va, ag);
          bg = wv.fma(vb, bg);
          wv = FloatVector.fromArray(SPECIES, pg, o + 3 * L);
          ao = wv.fma(va, ao);
          bo = wv.fma(vb, bo);
        }
        cellOfBatch(ai, af, ag, ao, c, ha, unit0, hs, hNew, e * hPad + unit0, ws.cTail);
        cellOfBatch(bi, bf, bg, bo, c, hb, unit0, hs, hNew, (e + 1) * hPad + unit0, ws.cTail);
      }
      if (e < n) {
        FloatVector ai = FloatVector.fromArray(SPECIES, pb, bb);
        FloatVector af = FloatVector.fromArray(SPECIES, pb, bb + L);
        FloatVector ag = FloatVector.fromArray(SPECIES, pb, bb + 2 * L);
        FloatVector ao = FloatVector.fromArray(SPECIES, pb, bb + 3 * L);
        int xa = e * d;
        int o = wBase;
        for (int j = 0; j < d; j++, o += stride) {
          FloatVector va = FloatVector.broadcast(SPECIES, x[xa + j]);
          ai = FloatVector.fromArray(SPECIES, pg, o).fma(va, ai);
          af = FloatVector.fromArray(SPECIES, pg, o + L).fma(va, af);
          ag = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(va, ag);
          ao = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(va, ao);
        }
        int ha = e * hs;
        for (int u = 0; u < hs; u++, o += stride) {
          FloatVector va = FloatVector.broadcast(SPECIES, h[ha + u]);
          ai = FloatVector.fromArray(SPECIES, pg, o).fma(va, ai);
          af = FloatVector.fromArray(SPECIES, pg, o + L).fma(va, af);
          ag = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(va, ag);
          ao = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(va, ao);
        }
        cellOfBatch(ai, af, ag, ao, c, ha, unit0, hs, hNew, e * hPad + unit0, ws.cTail);
      }
    }
    // h' back into h (it could not be written earlier: later blocks still read h), then the head.
    float[] logits = ws.logits;
    for (int e = 0; e < n; e++) {
      System.arraycopy(hNew, e * hPad, h, e * hs, hs);
      if (y != null) {
        head(p, w.params, s, hNew, e * hPad, logits);
        Head.activate(s.task(), logits, 0, y, e * k, k);
      }
    }
  }

  /**
   * Nonlinearities and cell update for units [unit0, unit0+L) of one entity: c updated in place at
   * {@code c[cRow + unit0 ..]}, h' stored at {@code hNew[hOff ..]}. The last block may be partial (H not
   * a multiple of L): its c goes through {@code tail}, zero-padded, so no lane reads past the row.
   */
  private static void cellOfBatch(FloatVector zi, FloatVector zf, FloatVector zg, FloatVector zo, float[] c,
      int cRow, int unit0, int hs, float[] hNew, int hOff, float[] tail) {
    FloatVector ig = sigmoid(zi);
    FloatVector fg = sigmoid(zf);
    FloatVector gg = tanh(zg);
    FloatVector og = sigmoid(zo);
    int valid = hs - unit0;
    if (valid >= L) {
      FloatVector cNew = fg.mul(FloatVector.fromArray(SPECIES, c, cRow + unit0)).add(ig.mul(gg));
      cNew.intoArray(c, cRow + unit0);
      og.mul(tanh(cNew)).intoArray(hNew, hOff);
    } else {
      for (int u = 0; u < L; u++) {
        tail[u] = u < valid ? c[cRow + unit0 + u] : 0f;
      }
      FloatVector cNew = fg.mul(FloatVector.fromArray(SPECIES, tail, 0)).add(ig.mul(gg));
      cNew.intoArray(tail, 0);
      og.mul(tanh(cNew)).intoArray(hNew, hOff);
      System.arraycopy(tail, 0, c, cRow + unit0, valid);
    }
  }

  // ---------------------------------------------------------------- nonlinearities

  /** tanh by the clamped [13/6] rational approximation (see the class comment). */
  static FloatVector tanh(FloatVector x) {
    FloatVector v = x.max(-CLAMP).min(CLAMP);
    FloatVector v2 = v.mul(v);
    FloatVector num = v2.fma(A13, A11);
    num = num.fma(v2, FloatVector.broadcast(SPECIES, A9));
    num = num.fma(v2, FloatVector.broadcast(SPECIES, A7));
    num = num.fma(v2, FloatVector.broadcast(SPECIES, A5));
    num = num.fma(v2, FloatVector.broadcast(SPECIES, A3));
    num = num.fma(v2, FloatVector.broadcast(SPECIES, A1));
    num = num.mul(v);
    FloatVector den = v2.fma(B6, B4);
    den = den.fma(v2, FloatVector.broadcast(SPECIES, B2));
    den = den.fma(v2, FloatVector.broadcast(SPECIES, B0));
    return num.div(den);
  }

  /** σ(z) = ½ + ½·tanh(z/2). */
  static FloatVector sigmoid(FloatVector z) {
    return tanh(z.mul(0.5f)).fma(0.5f, 0.5f);
  }

  // ---------------------------------------------------------------- backward primitives

  @Override
  public void addOuter(float[] a, int aOff, int rows, float[] b, int bOff, int cols, float[] m, int mOff, int ld) {
    int bound = SPECIES.loopBound(cols);
    for (int r = 0; r < rows; r++) {
      float ar = a[aOff + r];
      if (ar == 0f) {
        continue; // masked steps and saturated gates give exact zeros: nothing to add
      }
      FloatVector av = FloatVector.broadcast(SPECIES, ar);
      int row = mOff + r * ld;
      int j = 0;
      for (; j < bound; j += L) {
        FloatVector.fromArray(SPECIES, b, bOff + j).fma(av, FloatVector.fromArray(SPECIES, m, row + j))
            .intoArray(m, row + j);
      }
      for (; j < cols; j++) {
        m[row + j] += ar * b[bOff + j];
      }
    }
  }

  @Override
  public void addTransposedProduct(float[] m, int mOff, int ld, int rows, int cols, float[] a, int aOff,
      float[] out, int outOff) {
    int bound = SPECIES.loopBound(cols);
    for (int r = 0; r < rows; r++) {
      float ar = a[aOff + r];
      if (ar == 0f) {
        continue;
      }
      FloatVector av = FloatVector.broadcast(SPECIES, ar);
      int row = mOff + r * ld;
      int j = 0;
      for (; j < bound; j += L) {
        FloatVector.fromArray(SPECIES, m, row + j).fma(av, FloatVector.fromArray(SPECIES, out, outOff + j))
            .intoArray(out, outOff + j);
      }
      for (; j < cols; j++) {
        out[outOff + j] += ar * m[row + j];
      }
    }
  }
}
