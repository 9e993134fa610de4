package io.cellstream.cli;

import io.cellstream.eval.Baselines;
import io.cellstream.eval.CellLearner;
import io.cellstream.eval.LabelPolicy;
import io.cellstream.eval.LastValueLearner;
import io.cellstream.eval.MajorityLearner;
import io.cellstream.eval.OnlineLearner;
import io.cellstream.eval.RunningMeanLearner;
import io.cellstream.eval.TaskInfo;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the models learn, for {@code eval}, {@code demo} and {@code replay}: the one learner's settings, shared by
 * every model so that the comparison is fair (the same hidden size, BPTT window, minibatch, replay and
 * optimiser; each baseline with its own tuned learning rate). The defaults are the service's
 * ({@link LearnerSettings#DEFAULTS}, through {@link Defaults}); in the demo and replay every option reaches the
 * service's LSTM ({@link #serviceSettings}).
 */
public final class LearnerOptions {

  @Option(names = "--hidden-size", paramLabel = "H",
      description = "Hidden units of the LSTM and of the vanilla RNN. Default: ${DEFAULT-VALUE}.")
  int hiddenSize;

  @Option(names = "--batch-size", paramLabel = "B",
      description = "New examples per Adam update, every model. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--window", paramLabel = "T",
      description = "Truncated-BPTT steps; must cover the task's longest dependency. Default: the task's (L + 2 for long-lag).")
  Integer window;

  @Option(names = "--forget-bias", paramLabel = "B",
      description = "Initial forget-gate bias of the LSTM. Default: ${DEFAULT-VALUE} (see docs/accuracy.md: 1.0 did not learn L = 50, 3.0 not with every seed).")
  float forgetBias;

  @Option(names = "--lr-lstm", paramLabel = "LR",
      description = "LSTM learning rate (Adam). Default: ${DEFAULT-VALUE}.")
  float lrLstm;

  @Option(names = "--lr-rnn", paramLabel = "LR", description = "Vanilla RNN learning rate (Adam). Default: ${DEFAULT-VALUE}.")
  float lrRnn;

  @Option(names = "--lr-nomemory", paramLabel = "LR", description = "No-memory baseline learning rate (Adam). Default: ${DEFAULT-VALUE}.")
  float lrNoMemory;

  @Option(names = "--clip-norm", paramLabel = "N", description = "Gradient clipping by global norm, every model. Default: ${DEFAULT-VALUE}.")
  float clipNorm;

  @Option(names = "--amsgrad", negatable = true, fallbackValue = "true",
      description = "Adam with amsgrad (the largest second moment so far in the denominator), every model; --no-amsgrad for plain Adam. "
          + "Default: ${DEFAULT-VALUE} (plain Adam, online, undid learned models after a rare error: its denominator shrinks once the loss is near zero).")
  boolean amsgrad;

  @Option(names = "--replay-capacity", paramLabel = "N",
      description = "Experience replay: recent examples kept by the trainer, every model (0: none). Default: ${DEFAULT-VALUE}.")
  int replayCapacity;

  @Option(names = "--replay-updates", paramLabel = "R",
      description = "Experience replay: extra updates per new example on minibatches drawn from the buffer, every model. Default: ${DEFAULT-VALUE}.")
  int replayUpdates;

  @Option(names = "--replay-batch-size", paramLabel = "M",
      description = "Experience replay: examples drawn per replay update, every model. Default: ${DEFAULT-VALUE}.")
  int replayBatchSize;

  @Option(names = "--publish-every", paramLabel = "N",
      description = "A new model version after this many new examples (the service also publishes after "
          + "cellstream.training.publish.every-seconds); predictions use the newest version. Default: ${DEFAULT-VALUE}.")
  long publishEvery;

  @Option(names = "--learner-seed", paramLabel = "S",
      description = "Seed of the models' initialisation and of the replay's draws. Default: the stream's --seed.")
  Long learnerSeed;

  /** The LSTM's settings for {@code task} (window from the task and the label delay). */
  LearnerSettings lstmSettings(TaskInfo task, LabelPolicy labels, long streamSeed) {
    LearnerSettings d = LearnerSettings.DEFAULTS;
    LearnerSettings s = d.withAdam(d.adam().withLearningRate(lrLstm).withAmsgrad(amsgrad)).withBatchSize(batchSize)
        .withClipNorm(clipNorm).withReplay(replayCapacity, replayUpdates).withReplayBatchSize(replayBatchSize)
        .withPublish(publishEvery, d.publishInterval())
        .withForgetBias(forgetBias).withSeed(learnerSeed != null ? learnerSeed : streamSeed);
    s = Baselines.settings(task, labels, s);
    return window != null ? s.withWindow(s.windowSteps() - s.bpttSteps() + window, window) : s;
  }

  /**
   * The service's configuration keys for the LSTM's settings, so that the LSTM inside the demo's or replay's
   * service learns exactly as these options say (and as {@code eval} would, in-process).
   */
  Map<String, String> serviceSettings(LearnerSettings s) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cellstream.model.hidden-size", String.valueOf(hiddenSize));
    m.put("cellstream.model.seed", String.valueOf(s.seed()));
    m.put("cellstream.model.forget-bias", String.valueOf(s.forgetBias()));
    m.put("cellstream.window.steps", String.valueOf(s.windowSteps()));
    m.put("cellstream.window.checkpoint-every", String.valueOf(s.checkpointEvery()));
    m.put("cellstream.training.bptt-steps", String.valueOf(s.bpttSteps()));
    m.put("cellstream.training.learning-rate", String.valueOf(s.adam().learningRate()));
    m.put("cellstream.training.amsgrad", String.valueOf(s.adam().amsgrad()));
    m.put("cellstream.training.batch-size", String.valueOf(s.batchSize()));
    m.put("cellstream.training.clip-norm", String.valueOf(s.clipNorm()));
    m.put("cellstream.training.replay.capacity", String.valueOf(s.replayCapacity()));
    m.put("cellstream.training.replay.updates-per-example", String.valueOf(s.replayUpdates()));
    m.put("cellstream.training.replay.batch-size", String.valueOf(s.replayBatchSize()));
    m.put("cellstream.training.publish.every-examples", String.valueOf(s.publishEveryExamples()));
    return m;
  }

  /**
   * The service's keys for the learner options given on this command line (not their defaults), so that they
   * reach the service's LSTM without overriding a configuration file for the options that were not given.
   * {@code --window} sets the BPTT steps and widens the entity window to at least that.
   */
  Map<String, String> explicitServiceSettings(CommandLine.ParseResult parsed, int configuredWindow) {
    Map<String, String> m = new LinkedHashMap<>();
    BiConsumerOfOption put = (option, key, value) -> {
      if (parsed.hasMatchedOption(option)) {
        m.put(key, value);
      }
    };
    put.accept("--hidden-size", "cellstream.model.hidden-size", String.valueOf(hiddenSize));
    put.accept("--batch-size", "cellstream.training.batch-size", String.valueOf(batchSize));
    put.accept("--forget-bias", "cellstream.model.forget-bias", String.valueOf(forgetBias));
    put.accept("--lr-lstm", "cellstream.training.learning-rate", String.valueOf(lrLstm));
    put.accept("--clip-norm", "cellstream.training.clip-norm", String.valueOf(clipNorm));
    put.accept("--amsgrad", "cellstream.training.amsgrad", String.valueOf(amsgrad));
    put.accept("--replay-capacity", "cellstream.training.replay.capacity", String.valueOf(replayCapacity));
    put.accept("--replay-updates", "cellstream.training.replay.updates-per-example", String.valueOf(replayUpdates));
    put.accept("--replay-batch-size", "cellstream.training.replay.batch-size", String.valueOf(replayBatchSize));
    put.accept("--publish-every", "cellstream.training.publish.every-examples", String.valueOf(publishEvery));
    if (learnerSeed != null) {
      m.put("cellstream.model.seed", String.valueOf(learnerSeed));
    }
    if (window != null) {
      m.put("cellstream.training.bptt-steps", String.valueOf(window));
      m.put("cellstream.window.steps", String.valueOf(Math.max(window, configuredWindow)));
    }
    return m;
  }

  private interface BiConsumerOfOption {
    void accept(String option, String key, String value);
  }

  /** What a report's run section records of the LSTM's settings: every one, prefixed, and the baselines' rates. */
  static Map<String, Object> describe(int hiddenSize, LearnerSettings s, LearnerOptions baselines) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hiddenSize", hiddenSize);
    s.describe().forEach((k, v) -> m.put("lstm." + k, v));
    if (baselines != null) {
      m.put("rnn.learningRate", baselines.lrRnn);
      m.put("nomemory.learningRate", baselines.lrNoMemory);
    }
    return m;
  }

  /**
   * In-process models by name: lstm, rnn, nomemory, majority (classification), lastvalue/mean (regression), all
   * with {@code lstm}'s settings but for the baselines' own learning rates. {@code lstmName} names the in-process LSTM (the demo and replay call it {@code lstm-inprocess}: there
   * {@code lstm} is the service's).
   */
  List<OnlineLearner> learners(TaskInfo task, LearnerSettings lstm, List<String> names, String lstmName) {
    return learners(task, lstm, names, lstmName, CellLearner.Inputs.PLAIN);
  }

  /** As above, the cells reading their inputs as {@code inputs} says (replay of the user's own records). */
  List<OnlineLearner> learners(TaskInfo task, LearnerSettings lstm, List<String> names, String lstmName,
      CellLearner.Inputs inputs) {
    List<OnlineLearner> out = new ArrayList<>();
    for (String n : names) {
      switch (n.trim().toLowerCase(Locale.ROOT)) {
        case "lstm", "lstm-inprocess" -> out.add(CellLearner.lstm(lstmName, task, hiddenSize, lstm, inputs));
        case "rnn" -> out.add(CellLearner.rnn("rnn", task, hiddenSize, lstm.withLearningRate(lrRnn), inputs));
        case "nomemory" -> out.add(CellLearner.noMemory("nomemory", task, lstm.withLearningRate(lrNoMemory), inputs));
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
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "unknown model '" + n + "': use lstm, rnn, nomemory, majority, lastvalue, mean");
      }
    }
    return out;
  }

  /**
   * The defaults of these options, taken from {@link LearnerSettings#DEFAULTS} and the baselines' tuned
   * learning rates, so that the commands cannot drift from the service's configuration. Set on the commands
   * that mix these options in ({@code @Command(defaultValueProvider = LearnerOptions.Defaults.class)}).
   */
  public static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec o)) {
        return null;
      }
      LearnerSettings d = LearnerSettings.DEFAULTS;
      return switch (o.longestName()) {
        case "--hidden-size" -> String.valueOf(LearnerSettings.DEFAULT_HIDDEN_SIZE);
        case "--batch-size" -> String.valueOf(d.batchSize());
        case "--forget-bias" -> String.valueOf(d.forgetBias());
        case "--lr-lstm" -> String.valueOf(d.adam().learningRate());
        case "--lr-rnn" -> String.valueOf(CellLearner.RNN_LEARNING_RATE);
        case "--lr-nomemory" -> String.valueOf(CellLearner.NO_MEMORY_LEARNING_RATE);
        case "--clip-norm" -> String.valueOf(d.clipNorm());
        case "--amsgrad" -> String.valueOf(d.adam().amsgrad());
        case "--replay-capacity" -> String.valueOf(d.replayCapacity());
        case "--replay-updates" -> String.valueOf(d.replayUpdates());
        case "--replay-batch-size" -> String.valueOf(d.replayBatchSize());
        case "--publish-every" -> String.valueOf(d.publishEveryExamples());
        default -> null;
      };
    }
  }
}
