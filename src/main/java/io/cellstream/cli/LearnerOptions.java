package io.cellstream.cli;

import io.cellstream.eval.LastValueLearner;
import io.cellstream.eval.LearnerConfig;
import io.cellstream.eval.LstmLearner;
import io.cellstream.eval.MajorityLearner;
import io.cellstream.eval.NoMemoryLearner;
import io.cellstream.eval.OnlineLearner;
import io.cellstream.eval.RnnLearner;
import io.cellstream.eval.RunningMeanLearner;
import io.cellstream.eval.TaskInfo;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.Task;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Hyper-parameters of the models, shared by every model so that the comparison is fair: the same hidden
 * size, BPTT window, minibatch and optimiser; each model with its own tuned learning rate.
 */
public final class LearnerOptions {

  @Option(names = "--hidden-size", paramLabel = "H", defaultValue = "32",
      description = "Hidden units of the LSTM and of the vanilla RNN. Default: ${DEFAULT-VALUE}.")
  int hiddenSize;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "1",
      description = "Examples per Adam update, for every model. Default: ${DEFAULT-VALUE} (on long-lag, 1 learned L = 50 where 4 and 16 did not within 1M events).")
  int batchSize;

  @Option(names = "--window", paramLabel = "T",
      description = "Truncated-BPTT steps; must cover the task's longest dependency. Default: the task's (L + 2 for long-lag).")
  Integer window;

  @Option(names = "--forget-bias", paramLabel = "B", defaultValue = "3.0",
      description = "Initial forget-gate bias of the LSTM. Default: ${DEFAULT-VALUE} (1.0 did not learn L = 50 within 1M events).")
  float forgetBias;

  @Option(names = "--lr-lstm", paramLabel = "LR", defaultValue = "0.01",
      description = "LSTM learning rate (Adam). Default: ${DEFAULT-VALUE} (with amsgrad: learned L = 50 in 0.4M events and L = 100; 1e-3 took 3M events for L = 50).")
  float lrLstm;

  @Option(names = "--lr-rnn", paramLabel = "LR", defaultValue = "0.001",
      description = "Vanilla RNN learning rate (Adam). Default: ${DEFAULT-VALUE} (the RNN's best of 3e-4, 1e-3, 3e-3, 1e-2 on long-lag: the only one that learned L = 50).")
  float lrRnn;

  @Option(names = "--lr-nomemory", paramLabel = "LR", defaultValue = "0.003", description = "No-memory baseline learning rate (Adam). Default: ${DEFAULT-VALUE}.")
  float lrNoMemory;

  @Option(names = "--clip-norm", paramLabel = "N", defaultValue = "1.0", description = "Gradient clipping by global norm, every model. Default: ${DEFAULT-VALUE}.")
  float clipNorm;

  @Option(names = "--amsgrad", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Adam with amsgrad (the largest second moment so far in the denominator), every model; --no-amsgrad for plain Adam. "
          + "Default: ${DEFAULT-VALUE} (plain Adam, online, undid learned models after a rare error: its denominator shrinks once the loss is near zero).")
  boolean amsgrad;

  int window(TaskInfo task) {
    return window != null ? window : task.suggestedWindow();
  }

  LearnerConfig config(TaskInfo task, float lr, long seed) {
    int w = window(task);
    return LearnerConfig.of(task, hiddenSize, lr).withWindow(w).withRingCapacity(2 * w).withBatchSize(batchSize)
        .withClipNorm(clipNorm).withSeed(seed).withAdam(AdamConfig.DEFAULTS.withLearningRate(lr).withAmsgrad(amsgrad));
  }

  /** In-process learners by name: lstm, rnn, nomemory, majority (classification), lastvalue/mean (regression). */
  List<OnlineLearner> learners(TaskInfo task, List<String> names, long seed) {
    List<OnlineLearner> out = new ArrayList<>();
    for (String n : names) {
      switch (n) {
        case "lstm" -> out.add(new LstmLearner("lstm", task.modelSpec(hiddenSize), config(task, lrLstm, seed), forgetBias));
        case "rnn" -> out.add(new RnnLearner(task, config(task, lrRnn, seed)));
        case "nomemory" -> out.add(NoMemoryLearner.forTask(task, config(task, lrNoMemory, seed)));
        case "majority" -> {
          if (task.task() != Task.REGRESSION) {
            out.add(MajorityLearner.forTask(task));
          }
        }
        case "lastvalue" -> {
          if (task.task() == Task.REGRESSION) {
            out.add(new LastValueLearner());
          }
        }
        case "mean" -> {
          if (task.task() == Task.REGRESSION) {
            out.add(new RunningMeanLearner());
          }
        }
        default -> throw new IllegalArgumentException("unknown model '" + n + "': use lstm, rnn, nomemory, majority, lastvalue, mean");
      }
    }
    return out;
  }
}
