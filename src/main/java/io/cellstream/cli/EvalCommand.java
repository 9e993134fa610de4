package io.cellstream.cli;

import io.cellstream.eval.EvalOptions;
import io.cellstream.eval.EvalResult;
import io.cellstream.eval.Evaluator;
import io.cellstream.eval.LagSweep;
import io.cellstream.eval.MetricInfo;
import io.cellstream.eval.ModelResult;
import io.cellstream.eval.OnlineLearner;
import io.cellstream.eval.ReportWriter;
import io.cellstream.eval.TaskGenerator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cellstream eval}: the models side by side on a benchmark stream, in-process (no Kafka): the LSTM
 * (the service's engine under the same per-entity learner as the baselines), the vanilla RNN, no memory,
 * majority. Prequential, with a report; {@code --sweep-lags} gives accuracy against lag.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, defaultValueProvider = LearnerOptions.Defaults.class,
    description = {
        "Evaluates the LSTM against the baselines on a benchmark stream in-process (no Kafka), test-then-train,",
        "and writes an HTML report with learning curves plus the same numbers in JSON.",
        "The service's own LSTM on a live stream is what 'demo' shows; this is the fast way to sweep settings."})
public final class EvalCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin TaskOptions task;

  @Mixin LearnerOptions learners;

  @Option(names = "--events", paramLabel = "N", defaultValue = "2000000",
      description = "Events in the stream (per lag with --sweep-lags). Default: ${DEFAULT-VALUE}.")
  long events;

  @Option(names = "--models", paramLabel = "M,...", split = ",", defaultValue = "lstm,rnn,nomemory,majority",
      description = "Models to run: lstm, rnn, nomemory, majority (classification), lastvalue, mean (regression). Default: ${DEFAULT-VALUE}.")
  List<String> models;

  @Option(names = "--sweep-lags", paramLabel = "L,...", split = ",",
      description = "long-lag only: run every lag in the list and print accuracy against lag (a Markdown table).")
  int[] sweepLags;

  @Option(names = "--seeds", paramLabel = "S,...", split = ",",
      description = "long-lag: run every seed in the list (stream and models; with --sweep-lags, for every lag) and print "
          + "events and labelled sequences to the target accuracy per seed (a Markdown table).")
  long[] seeds;

  @Option(names = "--target", paramLabel = "ACC", defaultValue = "0.95",
      description = "With --sweep-lags or --seeds: accuracy over a full window that counts as learned. Default: ${DEFAULT-VALUE}.")
  double target;

  @Option(names = "--metric-window", paramLabel = "N", defaultValue = "2000",
      description = "Scored pairs in the sliding window of the windowed metrics. Default: ${DEFAULT-VALUE}.")
  int metricWindow;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "Models evaluated in parallel, each reading its own copy of the stream. Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(names = "--report-dir", paramLabel = "DIR",
      description = "Where to write report.html and report.json. Default: reports/eval-<time>.")
  Path reportDir;

  @Option(names = "--json", description = "End with one line of JSON on standard output: per model, the final windowed primary metric (with --sweep-lags or --seeds: every row of the table).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    EvalOptions options = EvalOptions.DEFAULTS.withWindow(metricWindow).withThreads(threads)
        .withProgressEvery(Math.max(10_000, events / 20));
    Path dir = reportDir != null ? reportDir
        : Path.of("reports", "eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);

    if (sweepLags != null || seeds != null) {
      if (!task.task.equals("long-lag")) {
        err.println("cellstream eval: --sweep-lags and --seeds apply to --task long-lag only");
        return 2;
      }
      int[] lags = sweepLags != null ? sweepLags : new int[] {task.lag};
      long[] ss = seeds != null ? seeds : new long[] {task.seed};
      List<LagSweep.Row> rows = new ArrayList<>();
      for (int lag : lags) {
        for (long seed : ss) {
          task.lag = lag;
          task.seed = seed;
          TaskGenerator g = task.generator(events);
          err.printf(Locale.ROOT, "lag %d, seed %d: %s, %d events, %d entities%n", lag, seed, g.info().title(), events,
              task.entities);
          err.flush();
          EvalResult r = Evaluator.run(g, learners.learners(g.info(), learners.lstmSettings(g.info(), g.config().labels(), seed), models, "lstm"), options,
              p -> progress(err, p.format()));
          ReportWriter.write(r, dir.resolve("lag-" + lag + "-seed-" + seed));
          for (ModelResult m : r.models()) {
            rows.add(LagSweep.row(lag, seed, m, target, metricWindow));
          }
        }
      }
      String table = LagSweep.markdown(rows);
      Files.writeString(dir.resolve("lag-sweep.md"), table);
      out.print(table);
      out.println("reports: " + dir.toAbsolutePath());
      if (json) {
        out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("rows", rows)));
      }
      out.flush();
      return 0;
    }

    TaskGenerator g = task.generator(events);
    List<OnlineLearner> ls = learners.learners(g.info(), learners.lstmSettings(g.info(), g.config().labels(), task.seed), models, "lstm");
    err.printf(Locale.ROOT, "%s: %d events, %d entities, models %s%n", g.info().title(), events, task.entities, models);
    err.flush();
    EvalResult r = Evaluator.run(g, ls, options, p -> progress(err, p.format()));
    ReportWriter.ReportFiles files = ReportWriter.write(r, dir);
    String metric = g.info().primaryMetric();
    for (ModelResult m : r.models()) {
      out.printf(Locale.ROOT, "%-10s %s %.4f (last %d: %.4f)%n", m.name(), metric, m.metric(metric).cumulative(),
          metricWindow, m.metric(metric).window());
    }
    out.println("report: " + files.html().toAbsolutePath());
    if (json) {
      out.println(ReportWriter.summaryLine(r));
    }
    out.flush();
    return 0;
  }

  private static synchronized void progress(PrintWriter err, String line) {
    err.println(line);
    err.flush();
  }

}
