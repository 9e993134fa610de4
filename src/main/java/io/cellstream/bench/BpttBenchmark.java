package io.cellstream.bench;

import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.MinibatchTrainer;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.learn.TrainerConfig;
import io.cellstream.learn.UpdateResult;
import io.cellstream.lstm.Window;
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

/**
 * Training: truncated BPTT over 16-step windows (D=16, binary head, the last step labelled), a minibatch
 * of {@code minibatch} windows, then clipping and one Adam step. Score = ns per minibatch; windows/s =
 * minibatch · 1e9 / score.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BpttBenchmark {

  public static final int INPUT_SIZE = 16;
  public static final int WINDOW = 16;

  @Param({"32", "64", "128"})
  public int hidden;

  @Param({"scalar", "vector"})
  public String kernel;

  @Param({"1", "32"})
  public int minibatch;

  private MinibatchTrainer trainer;
  private Window[] windows;

  @Setup
  public void setup() {
    ModelSpec spec = new ModelSpec(INPUT_SIZE, hidden, 1, Task.BINARY);
    // a small learning rate keeps the model from drifting far during a long measurement
    LstmCell cell = new LstmCell(spec, Init.DEFAULT_FORGET_BIAS, LstmKernels.named(kernel));
    trainer = MinibatchTrainer.create(cell, Init.uniform(spec, 42).data(), AdamConfig.DEFAULTS.withLearningRate(1e-4f),
        TrainerConfig.DEFAULTS);
    SplittableRandom r = new SplittableRandom(11);
    windows = new Window[minibatch];
    for (int w = 0; w < minibatch; w++) {
      float[] h0 = new float[hidden];
      float[] c0 = new float[hidden];
      for (int i = 0; i < hidden; i++) {
        h0[i] = (float) (0.2 * r.nextGaussian());
        c0[i] = (float) (0.5 * r.nextGaussian());
      }
      float[] x = new float[WINDOW * INPUT_SIZE];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      float[] t = new float[WINDOW];
      boolean[] labelled = new boolean[WINDOW];
      labelled[WINDOW - 1] = true;
      t[WINDOW - 1] = r.nextBoolean() ? 1f : 0f;
      windows[w] = new Window(h0, c0, x, t, labelled);
    }
  }

  @Benchmark
  public UpdateResult trainMinibatch() {
    for (Window w : windows) {
      trainer.accumulate(w);
    }
    return trainer.update();
  }
}
