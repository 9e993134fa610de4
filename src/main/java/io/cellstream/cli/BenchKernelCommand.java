package io.cellstream.cli;

import io.cellstream.bench.BatchedPeakFraction;
import io.cellstream.bench.BpttBenchmark;
import io.cellstream.bench.FmaPeakBenchmark;
import io.cellstream.bench.KernelStepBenchmark;
import io.cellstream.lstm.LstmKernels;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cellstream bench kernel}: the LSTM kernels under JMH ({@link KernelStepBenchmark},
 * {@link BpttBenchmark}), scalar against vector, and this core's FMA peak ({@link FmaPeakBenchmark}), printed as
 * tables; then {@code kernel H=64 batched fraction of FMA peak: X} (the best batched vector step's matvec FLOP/s
 * over the peak, same run) and, last, {@code kernel H=64 batch1 vector/scalar speedup: X.X} (scalar ns / vector ns
 * from this run).
 */
@Command(
    name = "kernel",
    mixinStandardHelpOptions = true,
    description = {
        "Measures the LSTM kernels with JMH: ns per step for D=16 and each hidden size, scalar against "
            + "vector, batch 1 (the per-event path) and batches of 8/32/128 (ns per entity-step and "
            + "entity-steps/s), BPTT+Adam training windows/s for 16-step windows, and this core's float FMA peak "
            + "(12 independent FMA chains at the preferred vector width) against which the batched step is put.",
        "The full run takes about 6 minutes; --quick about half a minute. The last two lines are "
            + "'kernel H=64 batched fraction of FMA peak: X' and 'kernel H=64 batch1 vector/scalar speedup: X.X' "
            + "(scalar ns / vector ns, same run)."
    })
public final class BenchKernelCommand implements Callable<Integer> {

  @Option(names = "--quick",
      description = "Short smoke run: in-process (0 forks), 1 warm-up and 1 measurement iteration of 250 ms per "
          + "configuration; finishes in well under a minute. Figures are indicative only.")
  boolean quick;

  @Option(names = "--forks", paramLabel = "N",
      description = "JVM forks per configuration (default: 1; 0 with --quick). Forks get --add-modules "
          + "jdk.incubator.vector appended to their JVM arguments.")
  Integer forks;

  @Option(names = "--hidden", split = ",", paramLabel = "H",
      description = "Hidden sizes to measure (default: ${DEFAULT-VALUE}).", defaultValue = "32,64,128")
  List<Integer> hidden;

  @Option(names = "--no-training", description = "Skip the BPTT+Adam training benchmark.")
  boolean noTraining;

  @Option(names = "--json", paramLabel = "FILE",
      description = "Also write JMH's raw results as JSON to FILE.")
  String json;

  @Option(names = "--verbose", description = "Show JMH's own progress output.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws RunnerException, IOException {
    PrintWriter out = spec.commandLine().getOut();
    int f = forks != null ? forks : (quick ? 0 : 1);
    if (f == 0 && !LstmKernels.vectorAvailable()) {
      spec.commandLine().getErr().println("bench kernel: this JVM lacks the jdk.incubator.vector module, so "
          + "in-process runs cannot measure the vector kernel. Run it through bin/cellstream (which adds "
          + "--add-modules jdk.incubator.vector) or with --forks 1.");
      return 2;
    }
    String[] hs = hidden.stream().map(String::valueOf).toArray(String[]::new);
    // Forks log the kernel choice through java.util.logging; a config without handlers keeps them quiet.
    Path quietLogging = Files.createTempFile("cellstream-bench-logging", ".properties");
    quietLogging.toFile().deleteOnExit();
    Files.writeString(quietLogging, "# no handlers: benchmark forks print nothing but results\n");
    ChainedOptionsBuilder opts = new OptionsBuilder()
        .include(Pattern.quote(KernelStepBenchmark.class.getName()) + "\\.step$")
        .param("hidden", hs)
        .forks(f)
        .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC",
            "-Djava.util.logging.config.file=" + quietLogging)
        .shouldFailOnError(true)
        .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
    if (!noTraining) {
      opts.include(Pattern.quote(BpttBenchmark.class.getName()) + "\\.trainMinibatch$");
    }
    opts.include(Pattern.quote(FmaPeakBenchmark.class.getName()) + "\\.fmaChains$");
    if (quick) {
      opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(250))
          .measurementIterations(1).measurementTime(TimeValue.milliseconds(250));
    } else {
      opts.warmupIterations(3).warmupTime(TimeValue.seconds(1))
          .measurementIterations(5).measurementTime(TimeValue.seconds(1));
    }
    if (json != null) {
      opts.result(json).resultFormat(ResultFormatType.JSON);
    }
    int configs = hs.length * 2 * 4 + (noTraining ? 0 : hs.length * 2 * 2) + 1;
    out.printf(Locale.ROOT, "bench kernel: %d configurations, %s, %d fork(s); in-process kernel here: %s%n",
        configs, quick ? "quick (1 x 250 ms warm-up, 1 x 250 ms measurement)" : "3 x 1 s warm-up, 5 x 1 s measurement",
        f, LstmKernels.vectorAvailable() ? "vector available" : "scalar only");
    out.flush();
    Collection<RunResult> results = new Runner(opts.build()).run();
    report(results, out);
    return 0;
  }

  private void report(Collection<RunResult> results, PrintWriter out) {
    Map<String, Double> step = new HashMap<>();  // "kernel/H/batch" -> ns per call
    Map<String, Double> train = new HashMap<>(); // "kernel/H/minibatch" -> ns per minibatch
    Double peakNs = null;                         // ns per call of the FMA chains
    for (RunResult r : results) {
      var p = r.getParams();
      String label = p.getBenchmark();
      double score = r.getPrimaryResult().getScore();
      if (label.endsWith(".fmaChains")) {
        peakNs = score;
      } else if (label.endsWith(".step")) {
        step.put(p.getParam("kernel") + "/" + p.getParam("hidden") + "/" + p.getParam("batch"), score);
      } else {
        train.put(p.getParam("kernel") + "/" + p.getParam("hidden") + "/" + p.getParam("minibatch"), score);
      }
    }
    out.println();
    out.println("LSTM step, D=16, K=1 (binary head); ns per entity-step = ns per call / batch");
    out.printf(Locale.ROOT, "%5s %6s %16s %16s %9s %20s%n", "H", "batch", "scalar ns/step", "vector ns/step",
        "vec/scal", "vector steps/s");
    for (int h : hidden) {
      for (int batch : new int[] {1, 8, 32, 128}) {
        Double s = step.get("scalar/" + h + "/" + batch);
        Double v = step.get("vector/" + h + "/" + batch);
        out.printf(Locale.ROOT, "%5d %6d %16s %16s %9s %20s%n", h, batch, ns(s, batch), ns(v, batch),
            s != null && v != null ? String.format(Locale.ROOT, "%.1fx", s / v) : "-",
            v != null ? String.format(Locale.ROOT, "%,.0f", 1e9 * batch / v) : "-");
      }
    }
    if (!train.isEmpty()) {
      out.println();
      out.println("Training: BPTT over 16-step windows (D=16, K=1) + clipping + one Adam step per minibatch");
      out.printf(Locale.ROOT, "%5s %10s %18s %18s%n", "H", "minibatch", "scalar windows/s", "vector windows/s");
      for (int h : hidden) {
        for (int mb : new int[] {1, 32}) {
          Double s = train.get("scalar/" + h + "/" + mb);
          Double v = train.get("vector/" + h + "/" + mb);
          out.printf(Locale.ROOT, "%5d %10d %18s %18s%n", h, mb, perSecond(s, mb), perSecond(v, mb));
        }
      }
    }
    out.println();
    double peakFlops = peakNs == null ? Double.NaN : FmaPeakBenchmark.flopsPerCall() / peakNs * 1e9;
    out.printf(Locale.ROOT, "FMA peak of this core: %.1f GFLOP/s (%d independent chains of %d-lane FMAs)%n",
        peakFlops / 1e9, FmaPeakBenchmark.CHAINS, FmaPeakBenchmark.lanes());
    out.println("Batched vector step against it (matvec FLOPs only: 2 x 4H x (D+H) per entity-step):");
    out.printf(Locale.ROOT, "%5s %6s %14s %16s%n", "H", "batch", "GFLOP/s", "fraction of peak");
    for (int h : hidden) {
      for (int batch : new int[] {8, 32, 128}) {
        Double v = step.get("vector/" + h + "/" + batch);
        double flops = v == null ? Double.NaN : matvecFlops(h) * batch / v * 1e9;
        out.printf(Locale.ROOT, "%5d %6d %14s %16s%n", h, batch, Double.isNaN(flops) ? "-" : String.format(Locale.ROOT, "%.1f", flops / 1e9),
            Double.isNaN(flops) || Double.isNaN(peakFlops) ? "-" : String.format(Locale.ROOT, "%.2f", flops / peakFlops));
      }
    }
    out.println("(wall clock, each configuration in its own fork: on a shared machine this is the core's share too)");
    out.println();
    String fraction = "n/a (H=64 was not measured)";
    if (hidden.contains(64) && LstmKernels.vectorAvailable()) {
      // The headline per CPU second, FMA chains and batched steps interleaved in this JVM: see BatchedPeakFraction.
      double seconds = quick ? 1 : 5;
      BatchedPeakFraction.Result r = BatchedPeakFraction.measure(LstmKernels.named("vector"),
          KernelStepBenchmark.INPUT_SIZE, 64, new int[] {8, 32, 128}, seconds);
      out.printf(Locale.ROOT, "Per CPU second of this thread (FMA chains and batched steps interleaved, %.0f s each): "
          + "FMA peak %.1f GFLOP/s; H=64 batched step%n", seconds, r.peakFlops() / 1e9);
      out.printf(Locale.ROOT, "%5s %6s %14s %16s %20s%n", "H", "batch", "GFLOP/s", "fraction of peak", "entity-steps/s");
      for (var e : r.batchedFlops().entrySet()) {
        out.printf(Locale.ROOT, "%5d %6d %14.1f %16.2f %20s%n", 64, e.getKey(), e.getValue() / 1e9, e.getValue() / r.peakFlops(),
            String.format(Locale.ROOT, "%,.0f", e.getValue() / matvecFlops(64)));
      }
      out.printf(Locale.ROOT, "(the line below takes the fastest batch size: %d)%n", r.bestBatch());
      out.println();
      fraction = String.format(Locale.ROOT, "%.2f", r.fraction());
    }
    out.println("kernel H=64 batched fraction of FMA peak: " + fraction);
    Double s = step.get("scalar/64/1");
    Double v = step.get("vector/64/1");
    out.println("kernel H=64 batch1 vector/scalar speedup: "
        + (s != null && v != null ? String.format(Locale.ROOT, "%.1f", s / v) : "n/a (H=64 was not measured)"));
    out.flush();
  }

  /** Multiply-adds of one entity-step's gate matvec, W (4H, D+H) times [x; h], as FLOPs (two per FMA). */
  static double matvecFlops(int hidden) {
    return 2.0 * 4 * hidden * (KernelStepBenchmark.INPUT_SIZE + hidden);
  }

  private static String ns(Double nsPerCall, int batch) {
    return nsPerCall == null ? "-" : String.format(Locale.ROOT, "%,.1f", nsPerCall / batch);
  }

  private static String perSecond(Double nsPerMinibatch, int minibatch) {
    return nsPerMinibatch == null ? "-" : String.format(Locale.ROOT, "%,.0f", 1e9 * minibatch / nsPerMinibatch);
  }
}
