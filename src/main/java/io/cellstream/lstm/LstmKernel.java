package io.cellstream.lstm;

/**
 * One LSTM cell step with its dense head, for one entity or a batch of entities, plus the two
 * matrix primitives truncated BPTT needs. Two implementations: {@link ScalarLstmKernel} (the plain
 * reference and the fallback) and {@code VectorLstmKernel} (jdk.incubator.vector); get one from
 * {@link LstmKernels}. Both are stateless and thread-safe; the workspaces are not.
 *
 * <pre>
 * z  = W [x; h] + b            W (4H, D+H), rows i, f, g, o
 * i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
 * c' = f⊙c + i⊙g              h' = o⊙tanh(c')
 * y  = act(Wy h' + by)         act = sigmoid | softmax | identity
 * </pre>
 *
 * Inputs with a NaN or an infinity are refused with an {@link IllegalArgumentException} naming the index,
 * before any state is touched.
 */
public interface LstmKernel {

  /** "scalar" or "vector". */
  String name();

  /** Scratch memory for single steps of models of this shape (one per thread). */
  StepWorkspace newWorkspace(ModelSpec spec);

  /**
   * This thread's single-step workspace for models of {@code spec}'s shape: made on first use (and again
   * when the shape changes), then reused, so that {@link #step(Model, float[], int, float[], float[],
   * float[], float[])} allocates nothing after warm-up.
   */
  StepWorkspace threadWorkspace(ModelSpec spec);

  /** Scratch memory for batch steps of models of this shape (one per thread); grows on demand. */
  BatchWorkspace newBatchWorkspace(ModelSpec spec, int initialCapacity);

  /**
   * One step of one entity. Reads {@code x[xOffset, xOffset+D)}; updates {@code h[0,H)} and
   * {@code c[0,H)} in place; writes the activated gates i, f, g, o to {@code gates[0,4H)} (skipped when
   * null) and the head output to {@code y[0,K)} (skipped when null). Allocates nothing.
   */
  void step(PreparedWeights w, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y,
      StepWorkspace ws);

  /**
   * One step of n entities in one pass over the weights: x (n, D), h (n, H), c (n, H) row-major from
   * index 0, h and c updated in place, y (n, K) written (skipped when null).
   */
  void stepBatch(PreparedWeights w, int n, float[] x, float[] h, float[] c, float[] y, BatchWorkspace ws);

  /** {@link #step(PreparedWeights, float[], int, float[], float[], float[], float[], StepWorkspace)} on a model. */
  default void step(Model model, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y,
      StepWorkspace ws) {
    step(model.weights(), x, xOffset, h, c, gates, y, ws);
  }

  /** {@link #step(Model, float[], int, float[], float[], float[], float[], StepWorkspace)} with this thread's workspace. */
  default void step(Model model, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y) {
    step(model.weights(), x, xOffset, h, c, gates, y, threadWorkspace(model.spec()));
  }

  /** {@link #stepBatch(PreparedWeights, int, float[], float[], float[], float[], BatchWorkspace)} on a model. */
  default void stepBatch(Model model, int n, float[] x, float[] h, float[] c, float[] y, BatchWorkspace ws) {
    stepBatch(model.weights(), n, x, h, c, y, ws);
  }

  // ---- primitives of the backward pass (row-major matrices with leading dimension ld) ----

  /** M[r, 0..cols) += a[r] · b[0..cols) for r in [0, rows): the outer product a ⊗ b added into M. */
  void addOuter(float[] a, int aOff, int rows, float[] b, int bOff, int cols, float[] m, int mOff, int ld);

  /**
   * M[r, j] += Σ_t A[t, r] · B[t, j] for r in [0, rows), j in [0, cols), t in [0, count): a sum of
   * {@code count} outer products (Aᵀ B) added into M in one pass, so M is read and written once rather
   * than once per term. A is (count, rows) with leading dimension lda, B is (count, cols) with ldb.
   */
  void addOuterSum(int count, float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols,
      float[] m, int mOff, int ld);

  /** out[0..cols) += Σ_r a[r] · M[r, 0..cols) for r in [0, rows): Mᵀ a added into out. */
  void addTransposedProduct(float[] m, int mOff, int ld, int rows, int cols, float[] a, int aOff,
      float[] out, int outOff);
}
