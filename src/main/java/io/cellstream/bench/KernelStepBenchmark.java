package io.cellstream.bench;

import io.cellstream.lstm.BatchWorkspace;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.lstm.Task;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One forward step of a D=16 model with a binary head: batch 1 through the single-entity entry point
 * (the per-event path; it also writes the gate activations), larger batches through the batch entry
 * point. Score = ns per call; divide by {@code batch} for ns per entity-step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KernelStepBenchmark {

  public static final int INPUT_SIZE = 16;

  @Param({"32", "64", "128"})
  public int hidden;

  @Param({"scalar", "vector"})
  public String kernel;

  @Param({"1", "8", "32", "128"})
  public int batch;

  private LstmKernel k;
  private Model model;
  private StepWorkspace ws;
  private BatchWorkspace bws;
  private float[] x;     // (batch, D)
  private float[] h;     // (batch, H)
  private float[] c;     // (batch, H)
  private float[] gates; // (4H)
  private float[] y;     // (batch, K)

  @Setup
  public void setup() {
    ModelSpec spec = new ModelSpec(INPUT_SIZE, hidden, 1, Task.BINARY);
    k = LstmKernels.named(kernel);
    model = Model.of(Init.uniform(spec, 42), 1, 0, 0);
    ws = k.newWorkspace(spec);
    bws = k.newBatchWorkspace(spec, batch);
    SplittableRandom r = new SplittableRandom(7);
    x = new float[batch * INPUT_SIZE];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    h = new float[batch * hidden];
    c = new float[batch * hidden];
    gates = new float[4 * hidden];
    y = new float[batch];
  }

  @Benchmark
  public void step(Blackhole bh) {
    if (batch == 1) {
      k.step(model, x, 0, h, c, gates, y, ws);
    } else {
      k.stepBatch(model, batch, x, h, c, y, bws);
    }
    bh.consume(y);
  }
}
