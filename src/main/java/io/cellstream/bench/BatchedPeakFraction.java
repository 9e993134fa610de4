package io.cellstream.bench;

import io.cellstream.lstm.BatchWorkspace;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The batched step's share of this core's FMA peak, per second of this thread's CPU time: the FMA chains of
 * {@link FmaPeakBenchmark} and the batched vector step at each batch size run in turn, in short slices, round after
 * round, each slice timed by {@link ThreadMXBean#getCurrentThreadCpuTime()}. On a shared machine a wall-clock
 * benchmark (JMH) measures the share of the core the thread was given as much as the code; CPU time does not, and
 * interleaving puts both sides under the same cache and frequency conditions.
 *
 * <p>The work counted is the gate matvec only, 2 × 4H × (D+H) FLOPs per entity-step (an FMA is two): what the FMA
 * units must do. The activations, the cell update and the head are the rest of the step's time.
 */
public final class BatchedPeakFraction {

  /** FLOP/s per CPU second of the FMA chains and of the batched step at each batch size; the best batch's fraction. */
  public record Result(double peakFlops, Map<Integer, Double> batchedFlops, int bestBatch, double fraction) {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private BatchedPeakFraction() {}

  /**
   * @param kernel  the vector kernel
   * @param seconds CPU seconds per configuration in total (a tenth of it per slice), after as long a warm-up
   */
  public static Result measure(LstmKernel kernel, int inputSize, int hidden, int[] batches, double seconds) {
    ModelSpec spec = new ModelSpec(inputSize, hidden, 1, Task.BINARY);
    Model model = Model.of(Init.uniform(spec, 42), 1, 0, 0);
    int most = 0;
    for (int b : batches) {
      most = Math.max(most, b);
    }
    BatchWorkspace ws = kernel.newBatchWorkspace(spec, most);
    SplittableRandom r = new SplittableRandom(7);
    float[] x = new float[most * inputSize];  // (batch, D)
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] h = new float[most * hidden];       // (batch, H)
    float[] c = new float[most * hidden];       // (batch, H)
    float[] y = new float[most];                // (batch, K)
    FmaPeakBenchmark fma = new FmaPeakBenchmark();
    fma.setup();
    double matvecFlops = 2.0 * 4 * hidden * (inputSize + hidden); // per entity-step

    int configs = batches.length + 1;
    long[] cpu = new long[configs];
    double[] flops = new double[configs];
    long slice = (long) (seconds / 10 * 1e9);
    float sink = 0;
    for (int round = -10; round < 10; round++) { // ten warm-up rounds, then ten measured
      for (int k = 0; k < configs; k++) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        long t;
        double done = 0;
        do {
          // The clock is read every 16 calls: reading a thread's CPU time is a system call of about a microsecond.
          for (int i = 0; i < 16; i++) {
            if (k == 0) {
              sink += fma.fmaChains();
              done += FmaPeakBenchmark.flopsPerCall();
            } else {
              int n = batches[k - 1];
              kernel.stepBatch(model, n, x, h, c, y, ws);
              sink += y[0];
              done += matvecFlops * n;
            }
          }
          t = THREADS.getCurrentThreadCpuTime() - t0;
        } while (t < slice);
        if (round >= 0) {
          cpu[k] += t;
          flops[k] += done;
        }
      }
    }
    if (sink == 42.4242f) {
      System.out.print(""); // keeps the results alive
    }
    double peak = flops[0] / (cpu[0] / 1e9);
    Map<Integer, Double> batched = new LinkedHashMap<>();
    int best = batches[0];
    for (int k = 1; k < configs; k++) {
      double f = flops[k] / (cpu[k] / 1e9);
      batched.put(batches[k - 1], f);
      if (f > batched.get(best)) {
        best = batches[k - 1];
      }
    }
    return new Result(peak, batched, best, batched.get(best) / peak);
  }
}
