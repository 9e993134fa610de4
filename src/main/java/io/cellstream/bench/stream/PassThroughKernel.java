package io.cellstream.bench.stream;

import io.cellstream.lstm.BatchWorkspace;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.StepWorkspace;
import java.util.Arrays;

/**
 * The benchmark's control: a kernel whose step does no arithmetic. h and c are left as they are (the entity
 * state is still read, decoded, encoded and written by the topology exactly as with the real kernel), the
 * gates and the head output are constants. Everything else in the topology — decode, state get/put, the
 * changelog, the prediction encode, the transaction — is unchanged, so the throughput of the topology with
 * this kernel is the ceiling the LSTM step is measured against.
 *
 * <p>The backward primitives (only the trainer calls them) go to the real kernel: a pass-through run that
 * trains trains for real.
 */
public final class PassThroughKernel implements LstmKernel {

  /** The constant head output: a probability of one half. */
  public static final float OUTPUT = 0.5f;

  private final LstmKernel real;

  /** @param real the kernel the workspaces and the backward primitives come from */
  public PassThroughKernel(LstmKernel real) {
    this.real = real;
  }

  @Override
  public String name() {
    return "passthrough";
  }

  @Override
  public StepWorkspace newWorkspace(ModelSpec spec) {
    return real.newWorkspace(spec);
  }

  @Override
  public StepWorkspace threadWorkspace(ModelSpec spec) {
    return real.threadWorkspace(spec);
  }

  @Override
  public BatchWorkspace newBatchWorkspace(ModelSpec spec, int initialCapacity) {
    return real.newBatchWorkspace(spec, initialCapacity);
  }

  @Override
  public void step(PreparedWeights w, float[] x, int xOffset, float[] h, float[] c, float[] gates, float[] y,
      StepWorkspace ws) {
    ModelSpec s = w.spec();
    if (gates != null) {
      Arrays.fill(gates, 0, s.gateRows(), OUTPUT);
    }
    if (y != null) {
      Arrays.fill(y, 0, s.outputSize(), OUTPUT);
    }
  }

  @Override
  public void stepBatch(PreparedWeights w, int n, float[] x, float[] h, float[] c, float[] y, BatchWorkspace ws) {
    if (y != null) {
      Arrays.fill(y, 0, n * w.spec().outputSize(), OUTPUT);
    }
  }

  @Override
  public void addOuter(float[] a, int aOff, int rows, float[] b, int bOff, int cols, float[] m, int mOff, int ld) {
    real.addOuter(a, aOff, rows, b, bOff, cols, m, mOff, ld);
  }

  @Override
  public void addOuterSum(int count, float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols,
      float[] m, int mOff, int ld) {
    real.addOuterSum(count, a, aOff, lda, rows, b, bOff, ldb, cols, m, mOff, ld);
  }

  @Override
  public void addTransposedProduct(float[] m, int mOff, int ld, int rows, int cols, float[] a, int aOff, float[] out,
      int outOff) {
    real.addTransposedProduct(m, mOff, ld, rows, cols, a, aOff, out, outOff);
  }
}
