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
 * entities before the next block, with two entities' accumulators in flight, so the
 * weights come from L1 and every loaded weight vector feeds several FMAs.
 *
 * <p>σ and tanh use a rational approximation of tanh (the [13/6] minimax form used by Eigen for float),
 * clamped to ±7.9053, max abs error about 4e-7 against Math.tanh; σ(z) = ½ + ½·tanh(z/2). It is FMAs and
 * one division, so it vectorises without the math library and allocates nothing.
 *
 * <p>No lambdas, and no vector ever crosses a method call: the step is split into phases that pass
 * arrays (pre-activations, activations, state), so whatever C2 decides to inline, nothing is boxed (the
 * allocation test holds a step to zero bytes).
 */
final class VectorLstmKernel implements LstmKernel {

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  // tanh(x) ≈ x·P(x²)/Q(x²) on [-CLAMP, CLAMP]; beyond, tanh is ±1 to float precision. The clamp is a
  // compare and a blend: Java's max/min (NaN and -0.0 rules) cost about five instructions each on AVX2,
  // and the inputs here are finite.
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

  private final ThreadLocal<StepWorkspace> perThread = new ThreadLocal<>();

  @Override
  public StepWorkspace threadWorkspace(ModelSpec spec) {
    StepWorkspace ws = perThread.get();
    if (ws == null || !ws.fits(spec)) {
      ws = newWorkspace(spec);
      perThread.set(ws);
    }
    return ws;
  }

  @Override
  public BatchWorkspace newBatchWorkspace(ModelSpec spec, int initialCapacity) {
    return new BatchWorkspace(spec, L, initialCapacity);
  }

  // ---------------------------------------------------------------- single step
  //
  // The step is split into phases that pass only arrays between them: C2 stops inlining once a method's
  // graph grows past NodeCountInliningCutoff, and a vector that crosses a call that was not inlined is
  // boxed (allocated) and loses its intrinsics. Each phase is small enough to compile whole.

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
    int hPad = p.hPad;
    float[] z = ws.gates;    // (4, hPad) pre-activations, then activations
    float[] cPad = ws.cPad;  // (hPad) c in, c' out; padding lanes stay 0
    float[] hNew = ws.hNew;  // (hPad) h'
    System.arraycopy(c, 0, cPad, 0, hs);
    float[] xh = ws.xh;      // (D+H) [x | h]
    System.arraycopy(x, xOffset, xh, 0, d);
    System.arraycopy(h, 0, xh, d, hs);
    for (int blk = 0; blk < p.blocks; blk++) {
      blockPreactivations(p.gates, p.bias, blk, d + hs, xh, 0, z, blk * L, hPad);
    }
    activateGates(z, 0, p.blocks);
    cellUpdate(z, 0, hPad, cPad, 0, hNew, 0, p.blocks);
    System.arraycopy(hNew, 0, h, 0, hs);
    System.arraycopy(cPad, 0, c, 0, hs);
    if (gates != null) {
      System.arraycopy(z, 0, gates, 0, hs);
      System.arraycopy(z, hPad, gates, hs, hs);
      System.arraycopy(z, 2 * hPad, gates, 2 * hs, hs);
      System.arraycopy(z, 3 * hPad, gates, 3 * hs, hs);
    }
    head(p, w.params, s, hNew, 0, ws.logits);
    if (y != null) {
      Head.activate(s.task(), ws.logits, 0, y, 0, k);
    }
  }

  /**
   * z_gate[units of block blk] = b + Σ_j W_gate[units, j]·xh[j] for one entity, xh = [x | h] at
   * {@code xh[xhOff, xhOff + D+H)}; stores the four gate vectors at {@code z[zOff + gate·zGateStride]}.
   * Two sets of four accumulators (even and odd columns) hide the FMA latency; the block's packed
   * weights are read once, sequentially.
   */
  private static void blockPreactivations(float[] pg, float[] pb, int blk, int cols, float[] xh, int xhOff,
      float[] z, int zOff, int zGateStride) {
    int stride = 4 * L;
    int bb = blk * stride;
    int o = blk * cols * stride;
    FloatVector zi = FloatVector.fromArray(SPECIES, pb, bb);
    FloatVector zf = FloatVector.fromArray(SPECIES, pb, bb + L);
    FloatVector zg = FloatVector.fromArray(SPECIES, pb, bb + 2 * L);
    FloatVector zo = FloatVector.fromArray(SPECIES, pb, bb + 3 * L);
    FloatVector yi = FloatVector.zero(SPECIES);
    FloatVector yf = FloatVector.zero(SPECIES);
    FloatVector yg = FloatVector.zero(SPECIES);
    FloatVector yo = FloatVector.zero(SPECIES);
    int j = 0;
    for (; j + 1 < cols; j += 2, o += 2 * stride) {
      FloatVector v0 = FloatVector.broadcast(SPECIES, xh[xhOff + j]);
      FloatVector v1 = FloatVector.broadcast(SPECIES, xh[xhOff + j + 1]);
      zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
      zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
      zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
      zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
      yi = FloatVector.fromArray(SPECIES, pg, o + stride).fma(v1, yi);
      yf = FloatVector.fromArray(SPECIES, pg, o + stride + L).fma(v1, yf);
      yg = FloatVector.fromArray(SPECIES, pg, o + stride + 2 * L).fma(v1, yg);
      yo = FloatVector.fromArray(SPECIES, pg, o + stride + 3 * L).fma(v1, yo);
    }
    if (j < cols) {
      FloatVector v0 = FloatVector.broadcast(SPECIES, xh[xhOff + j]);
      zi = FloatVector.fromArray(SPECIES, pg, o).fma(v0, zi);
      zf = FloatVector.fromArray(SPECIES, pg, o + L).fma(v0, zf);
      zg = FloatVector.fromArray(SPECIES, pg, o + 2 * L).fma(v0, zg);
      zo = FloatVector.fromArray(SPECIES, pg, o + 3 * L).fma(v0, zo);
    }
    zi.add(yi).intoArray(z, zOff);
    zf.add(yf).intoArray(z, zOff + zGateStride);
    zg.add(yg).intoArray(z, zOff + 2 * zGateStride);
    zo.add(yo).intoArray(z, zOff + 3 * zGateStride);
  }

  /**
   * The same for entities [0, n) (n even), two at a time: every loaded weight vector feeds two FMAs.
   * Entity e's four gate vectors go to {@code z[e·L + gate·zGateStride]}. One call per block, so the call
   * costs nothing per entity.
   */
  private static void blockPreactivationsPairs(float[] pg, float[] pb, int blk, int cols, float[] xh, int n,
      float[] z, int zGateStride) {
    int stride = 4 * L;
    int bb = blk * stride;
    int wBase = blk * cols * stride;
    for (int e = 0; e < n; e += 2) {
      FloatVector ai = FloatVector.fromArray(SPECIES, pb, bb);
      FloatVector af = FloatVector.fromArray(SPECIES, pb, bb + L);
      FloatVector ag = FloatVector.fromArray(SPECIES, pb, bb + 2 * L);
      FloatVector ao = FloatVector.fromArray(SPECIES, pb, bb + 3 * L);
      FloatVector bi = ai;
      FloatVector bf = af;
      FloatVector bg = ag;
      FloatVector bo = ao;
      int xa = e * cols;
      int xb = xa + cols;
      int o = wBase;
      for (int j = 0; j < cols; j++, o += stride) {
        FloatVector va = FloatVector.broadcast(SPECIES, xh[xa + j]);
        FloatVector vb = FloatVector.broadcast(SPECIES, xh[xb + j]);
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
      int zOff = e * L;
      ai.intoArray(z, zOff);
      af.intoArray(z, zOff + zGateStride);
      ag.intoArray(z, zOff + 2 * zGateStride);
      ao.intoArray(z, zOff + 3 * zGateStride);
      bi.intoArray(z, zOff + L);
      bf.intoArray(z, zOff + L + zGateStride);
      bg.intoArray(z, zOff + L + 2 * zGateStride);
      bo.intoArray(z, zOff + L + 3 * zGateStride);
    }
  }

  /** Scale, then offset, that turn tanh into each gate's nonlinearity: σ(z) = ½ + ½·tanh(z/2). */
  private static final float[] GATE_SCALE = {0.5f, 0.5f, 1f, 0.5f};   // i, f, g, o
  private static final float[] GATE_OFFSET = {0.5f, 0.5f, 0f, 0.5f};

  /**
   * In place over a gate-major block {@code z[off, off + 4·vectorsPerGate·L)} = (4 gates, vectorsPerGate, L):
   * i, f, o → σ, g → tanh, all through {@link #tanh}.
   */
  private static void activateGates(float[] z, int off, int vectorsPerGate) {
    FloatVector hi = FloatVector.broadcast(SPECIES, CLAMP);
    FloatVector lo = FloatVector.broadcast(SPECIES, -CLAMP);
    for (int gate = 0; gate < 4; gate++) {
      float scale = GATE_SCALE[gate];
      float shift = GATE_OFFSET[gate];
      int end = off + (gate + 1) * vectorsPerGate * L;
      for (int at = off + gate * vectorsPerGate * L; at < end; at += L) {
        tanh(FloatVector.fromArray(SPECIES, z, at).mul(scale), hi, lo).fma(scale, shift).intoArray(z, at);
      }
    }
  }

  /**
   * For {@code vectors} vectors of units, with the activated gates at {@code z[zOff + gate·zGateStride]}:
   * c' = f⊙c + i⊙g in place at {@code c[cOff]}, h' = o⊙tanh(c') at {@code hOut[hOff]}.
   */
  private static void cellUpdate(float[] z, int zOff, int zGateStride, float[] c, int cOff, float[] hOut,
      int hOff, int vectors) {
    FloatVector hi = FloatVector.broadcast(SPECIES, CLAMP);
    FloatVector lo = FloatVector.broadcast(SPECIES, -CLAMP);
    for (int v = 0; v < vectors; v++) {
      cellUpdateVector(z, zOff + v * L, zGateStride, c, cOff + v * L, hOut, hOff + v * L, hi, lo);
    }
  }

  /**
   * {@link #cellUpdate} of one block of units for entities [0, n) in one loop: entity e's gates at
   * {@code z[e·L + gate·zGateStride]}, its c at {@code c[cOff + e·cStride]}, its h' to {@code hOut[hOff + e·hStride]}.
   * The same operations per vector as {@code cellUpdate}, so the same bits; but one call per block rather than per
   * entity, so the entities' independent chains (six dependent FMAs and a division for tanh) overlap in the CPU
   * instead of each waiting out its own latency: 3.3× less time per entity-step measured at H=64.
   */
  private static void cellUpdateEntities(float[] z, int zGateStride, float[] c, int cOff, int cStride, float[] hOut,
      int hOff, int hStride, int n) {
    FloatVector hi = FloatVector.broadcast(SPECIES, CLAMP);
    FloatVector lo = FloatVector.broadcast(SPECIES, -CLAMP);
    for (int e = 0; e < n; e++) {
      cellUpdateVector(z, e * L, zGateStride, c, cOff + e * cStride, hOut, hOff + e * hStride, hi, lo);
    }
  }

  /**
   * One vector of L units, the body both cell updates share: gates i, f, g, o at {@code z[zv + gate·zGateStride]},
   * c' = f⊙c + i⊙g in place at {@code c[cAt]}, h' = o⊙tanh(c') at {@code hOut[hAt]}. Small enough to be inlined
   * into both loops (the vectors then stay in registers).
   */
  private static void cellUpdateVector(float[] z, int zv, int zGateStride, float[] c, int cAt, float[] hOut, int hAt,
      FloatVector hi, FloatVector lo) {
    FloatVector ig = FloatVector.fromArray(SPECIES, z, zv);
    FloatVector fg = FloatVector.fromArray(SPECIES, z, zv + zGateStride);
    FloatVector gg = FloatVector.fromArray(SPECIES, z, zv + 2 * zGateStride);
    FloatVector og = FloatVector.fromArray(SPECIES, z, zv + 3 * zGateStride);
    FloatVector cNew = fg.mul(FloatVector.fromArray(SPECIES, c, cAt)).add(ig.mul(gg));
    cNew.intoArray(c, cAt);
    og.mul(tanh(cNew, hi, lo)).intoArray(hOut, hAt);
  }

  /**
   * tanh of 8 (or L) finite values: clamped to [-CLAMP, CLAMP] ({@code hi}, {@code lo} are its broadcasts), then
   * x·P(x²)/Q(x²). Called from the hot loops only, where C2 inlines it and the vectors stay in registers (a
   * helper called from a cold site may not be inlined, and its vectors would then be boxed).
   */
  private static FloatVector tanh(FloatVector x, FloatVector hi, FloatVector lo) {
    FloatVector t = x.blend(hi, x.compare(VectorOperators.GT, hi)).blend(lo, x.compare(VectorOperators.LT, lo));
    FloatVector t2 = t.mul(t);
    FloatVector num = t2.fma(A13, A11);
    num = num.fma(t2, FloatVector.broadcast(SPECIES, A9));
    num = num.fma(t2, FloatVector.broadcast(SPECIES, A7));
    num = num.fma(t2, FloatVector.broadcast(SPECIES, A5));
    num = num.fma(t2, FloatVector.broadcast(SPECIES, A3));
    num = num.fma(t2, FloatVector.broadcast(SPECIES, A1));
    FloatVector den = t2.fma(B6, B4);
    den = den.fma(t2, FloatVector.broadcast(SPECIES, B2));
    den = den.fma(t2, FloatVector.broadcast(SPECIES, B0));
    return num.mul(t).div(den);
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
      // Lanes summed in a fixed order, not reduceLanes(ADD): its order (and so its rounding) differs between the
      // interpreter's fallback and C2's intrinsic, and a prediction must not depend on how warm the JIT is
      // (a restarted instance must reproduce an uninterrupted run bit for bit).
      float sum = 0f;
      for (int lane = 0; lane < L; lane++) {
        sum += acc.lane(lane);
      }
      logits[o] = params[byOff + o] + sum;
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
    float[] hNew = ws.hNew; // (n, hPad)
    float[] z = ws.z;       // (4, n, L) one block's gate pre-activations for every entity, gate-major
    float[] tail = ws.cTail;
    int gateStride = n * L;
    int cols = d + hs;
    float[] xh = ws.xh;     // (n, D+H) [x | h] per entity, so that the column loop reads one array
    for (int e = 0; e < n; e++) {
      System.arraycopy(x, e * d, xh, e * cols, d);
      System.arraycopy(h, e * hs, xh, e * cols + d, hs);
    }

    // Block of units outer, entities inner: one block's weights (4·L·(D+H) floats) stay in L1 while
    // every entity uses them, two entities per pass sharing each loaded weight vector. Then the block's
    // nonlinearities for all entities in one loop per gate, then the cell updates. h' goes to hNew
    // (h could be overwritten now, as xh holds a copy, but hNew keeps the head's rows padded).
    for (int blk = 0; blk < p.blocks; blk++) {
      int unit0 = blk * L;
      blockPreactivationsPairs(p.gates, p.bias, blk, cols, xh, n & ~1, z, gateStride);
      int e = n & ~1;
      if (e < n) {
        blockPreactivations(p.gates, p.bias, blk, cols, xh, e * cols, z, e * L, gateStride);
      }
      activateGates(z, 0, n);
      if (unit0 + L <= hs) {
        cellUpdateEntities(z, gateStride, c, unit0, hs, hNew, unit0, hPad, n);
      } else {
        // the last block is partial (H not a multiple of L): c goes through a zero-padded scratch so that
        // no lane reads or writes past the entity's row
        int valid = hs - unit0;
        for (e = 0; e < n; e++) {
          int cOff = e * hs + unit0;
          for (int u = 0; u < L; u++) {
            tail[u] = u < valid ? c[cOff + u] : 0f;
          }
          cellUpdate(z, e * L, gateStride, tail, 0, hNew, e * hPad + unit0, 1);
          System.arraycopy(tail, 0, c, cOff, valid);
        }
      }
    }
    float[] logits = ws.logits;
    for (int e = 0; e < n; e++) {
      System.arraycopy(hNew, e * hPad, h, e * hs, hs);
      if (y != null) {
        head(p, w.params, s, hNew, e * hPad, logits);
        Head.activate(s.task(), logits, 0, y, e * k, k);
      }
    }
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

  /**
   * Register-blocked: for each row of M, eight vectors of columns stay in registers while all
   * {@code count} terms are added, so M is loaded and stored once.
   */
  @Override
  public void addOuterSum(int count, float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols,
      float[] m, int mOff, int ld) {
    int wide = cols - cols % (8 * L);
    int bound = SPECIES.loopBound(cols);
    for (int r = 0; r < rows; r++) {
      int row = mOff + r * ld;
      int j = 0;
      for (; j < wide; j += 8 * L) {
        FloatVector m0 = FloatVector.fromArray(SPECIES, m, row + j);
        FloatVector m1 = FloatVector.fromArray(SPECIES, m, row + j + L);
        FloatVector m2 = FloatVector.fromArray(SPECIES, m, row + j + 2 * L);
        FloatVector m3 = FloatVector.fromArray(SPECIES, m, row + j + 3 * L);
        FloatVector m4 = FloatVector.fromArray(SPECIES, m, row + j + 4 * L);
        FloatVector m5 = FloatVector.fromArray(SPECIES, m, row + j + 5 * L);
        FloatVector m6 = FloatVector.fromArray(SPECIES, m, row + j + 6 * L);
        FloatVector m7 = FloatVector.fromArray(SPECIES, m, row + j + 7 * L);
        for (int t = 0; t < count; t++) {
          FloatVector av = FloatVector.broadcast(SPECIES, a[aOff + t * lda + r]);
          int bt = bOff + t * ldb + j;
          m0 = FloatVector.fromArray(SPECIES, b, bt).fma(av, m0);
          m1 = FloatVector.fromArray(SPECIES, b, bt + L).fma(av, m1);
          m2 = FloatVector.fromArray(SPECIES, b, bt + 2 * L).fma(av, m2);
          m3 = FloatVector.fromArray(SPECIES, b, bt + 3 * L).fma(av, m3);
          m4 = FloatVector.fromArray(SPECIES, b, bt + 4 * L).fma(av, m4);
          m5 = FloatVector.fromArray(SPECIES, b, bt + 5 * L).fma(av, m5);
          m6 = FloatVector.fromArray(SPECIES, b, bt + 6 * L).fma(av, m6);
          m7 = FloatVector.fromArray(SPECIES, b, bt + 7 * L).fma(av, m7);
        }
        m0.intoArray(m, row + j);
        m1.intoArray(m, row + j + L);
        m2.intoArray(m, row + j + 2 * L);
        m3.intoArray(m, row + j + 3 * L);
        m4.intoArray(m, row + j + 4 * L);
        m5.intoArray(m, row + j + 5 * L);
        m6.intoArray(m, row + j + 6 * L);
        m7.intoArray(m, row + j + 7 * L);
      }
      for (; j < bound; j += L) {
        FloatVector acc = FloatVector.fromArray(SPECIES, m, row + j);
        for (int t = 0; t < count; t++) {
          acc = FloatVector.fromArray(SPECIES, b, bOff + t * ldb + j)
              .fma(FloatVector.broadcast(SPECIES, a[aOff + t * lda + r]), acc);
        }
        acc.intoArray(m, row + j);
      }
      for (; j < cols; j++) {
        float acc = m[row + j];
        for (int t = 0; t < count; t++) {
          acc += a[aOff + t * lda + r] * b[bOff + t * ldb + j];
        }
        m[row + j] = acc;
      }
    }
  }

  /**
   * Register-blocked like {@link #addOuterSum}: eight vectors of {@code out} stay in registers while all
   * rows are added, instead of being loaded and stored once per row.
   */
  @Override
  public void addTransposedProduct(float[] m, int mOff, int ld, int rows, int cols, float[] a, int aOff,
      float[] out, int outOff) {
    int wide = cols - cols % (8 * L);
    int bound = SPECIES.loopBound(cols);
    int j = 0;
    for (; j < wide; j += 8 * L) {
      int o = outOff + j;
      FloatVector s0 = FloatVector.fromArray(SPECIES, out, o);
      FloatVector s1 = FloatVector.fromArray(SPECIES, out, o + L);
      FloatVector s2 = FloatVector.fromArray(SPECIES, out, o + 2 * L);
      FloatVector s3 = FloatVector.fromArray(SPECIES, out, o + 3 * L);
      FloatVector s4 = FloatVector.fromArray(SPECIES, out, o + 4 * L);
      FloatVector s5 = FloatVector.fromArray(SPECIES, out, o + 5 * L);
      FloatVector s6 = FloatVector.fromArray(SPECIES, out, o + 6 * L);
      FloatVector s7 = FloatVector.fromArray(SPECIES, out, o + 7 * L);
      for (int r = 0; r < rows; r++) {
        FloatVector av = FloatVector.broadcast(SPECIES, a[aOff + r]);
        int row = mOff + r * ld + j;
        s0 = FloatVector.fromArray(SPECIES, m, row).fma(av, s0);
        s1 = FloatVector.fromArray(SPECIES, m, row + L).fma(av, s1);
        s2 = FloatVector.fromArray(SPECIES, m, row + 2 * L).fma(av, s2);
        s3 = FloatVector.fromArray(SPECIES, m, row + 3 * L).fma(av, s3);
        s4 = FloatVector.fromArray(SPECIES, m, row + 4 * L).fma(av, s4);
        s5 = FloatVector.fromArray(SPECIES, m, row + 5 * L).fma(av, s5);
        s6 = FloatVector.fromArray(SPECIES, m, row + 6 * L).fma(av, s6);
        s7 = FloatVector.fromArray(SPECIES, m, row + 7 * L).fma(av, s7);
      }
      s0.intoArray(out, o);
      s1.intoArray(out, o + L);
      s2.intoArray(out, o + 2 * L);
      s3.intoArray(out, o + 3 * L);
      s4.intoArray(out, o + 4 * L);
      s5.intoArray(out, o + 5 * L);
      s6.intoArray(out, o + 6 * L);
      s7.intoArray(out, o + 7 * L);
    }
    for (; j < bound; j += L) {
      FloatVector acc = FloatVector.fromArray(SPECIES, out, outOff + j);
      for (int r = 0; r < rows; r++) {
        acc = FloatVector.fromArray(SPECIES, m, mOff + r * ld + j)
            .fma(FloatVector.broadcast(SPECIES, a[aOff + r]), acc);
      }
      acc.intoArray(out, outOff + j);
    }
    for (; j < cols; j++) {
      float acc = out[outOff + j];
      for (int r = 0; r < rows; r++) {
        acc += a[aOff + r] * m[mOff + r * ld + j];
      }
      out[outOff + j] = acc;
    }
  }
}
