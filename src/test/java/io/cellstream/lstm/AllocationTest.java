package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * After warm-up a step allocates nothing: the per-event path must not feed the GC. Measured with
 * {@code ThreadMXBean#getThreadAllocatedBytes} over 10 000 calls; the budget of 256 bytes is for the
 * measurement itself, i.e. far below one byte per call. C2 compiles in the background and only its code
 * keeps vectors in registers (C1's boxes them), so the test warms up in rounds until a round is clean
 * and fails only if none is within a generous number of rounds.
 */
class AllocationTest {

  static final int CALLS = 10_000;
  static final long BUDGET = 256;
  static final int ROUNDS = 40;

  @Test
  void vectorSingleStepAllocatesNothing() {
    assumeTrue(LstmKernels.vectorAvailable());
    assertThat(allocatedAfterWarmUp(LstmKernels.vector(), 1, 64)).isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void vectorSingleStepAllocatesNothingAtAnOddSize() {
    assumeTrue(LstmKernels.vectorAvailable());
    assertThat(allocatedAfterWarmUp(LstmKernels.vector(), 1, 13)).isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void vectorBatchStepAllocatesNothing() {
    assumeTrue(LstmKernels.vectorAvailable());
    assertThat(allocatedAfterWarmUp(LstmKernels.vector(), 7, 33)).isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void vectorStepWithTheThreadsOwnWorkspaceAllocatesNothing() {
    assumeTrue(LstmKernels.vectorAvailable());
    assertThat(allocatedAfterWarmUp(LstmKernels.vector(), 0, 64)).isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void scalarSingleStepAllocatesNothing() {
    assertThat(allocatedAfterWarmUp(LstmKernels.scalar(), 1, 32)).isLessThanOrEqualTo(BUDGET);
  }

  /**
   * Bytes allocated by CALLS steps in the first clean round (or the last round's figure); n = 0 means a
   * single step through the thread-local workspace.
   */
  private static long allocatedAfterWarmUp(LstmKernel kernel, int n, int hidden) {
    ModelSpec spec = new ModelSpec(16, hidden, 3, Task.MULTICLASS);
    Model model = Model.of(Init.uniform(spec, 1), 1, 0, 0);
    StepWorkspace ws = kernel.newWorkspace(spec);
    int rows = Math.max(1, n);
    BatchWorkspace bws = kernel.newBatchWorkspace(spec, rows);
    SplittableRandom r = new SplittableRandom(5);
    float[] x = RandomModels.gaussian(r, rows * 16, 1);
    float[] h = new float[rows * hidden];
    float[] c = new float[rows * hidden];
    float[] gates = new float[4 * hidden];
    float[] y = new float[rows * 3];
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    mx.getThreadAllocatedBytes(tid); // the first call may initialise something
    long last = Long.MAX_VALUE;
    for (int round = 0; round < ROUNDS; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < CALLS; i++) {
        if (n == 0) {
          kernel.step(model, x, 0, h, c, gates, y);
        } else if (n == 1) {
          kernel.step(model, x, 0, h, c, gates, y, ws);
        } else {
          kernel.stepBatch(model, n, x, h, c, y, bws);
        }
      }
      last = mx.getThreadAllocatedBytes(tid) - before;
      System.out.println(kernel.name() + " n=" + n + " H=" + hidden + " round " + round + ": " + last
          + " bytes in " + CALLS + " calls");
      if (last <= BUDGET) {
        return last;
      }
    }
    return last;
  }
}
