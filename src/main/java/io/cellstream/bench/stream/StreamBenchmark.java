package io.cellstream.bench.stream;

import io.cellstream.bench.stream.BenchContext.StateFigures;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.stream.CellstreamSerdes;
import io.cellstream.util.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code bench stream}: the whole service on a broker, measured. Every figure comes from this one run, so the
 * ratios (LSTM against pass-through, 2 threads against 1, 1M entities against 1k, the LSTM against the engine
 * baseline) share the machine's noise.
 *
 * <p>The phases, in the order they run: {@link ThroughputPhase} (ratio, threads), {@link LatencyPhase},
 * {@link TrainingPhase}, {@link StatePhase} (sizes), {@link ScalingPhase} (with the engine baseline), then the
 * state path's variants ({@link StatePhase#path}). What they share — data sets, deployments, the measured run —
 * is {@link BenchContext}; what paces them is {@link Pacer}.
 *
 * <p>Each measurement is a separate {@link Deployment} (own application id, state directory and output
 * topics) of the real {@code CellstreamService}; runs that compare kernels read the very same events topic.
 * Events are pre-loaded with the current time as timestamp; a run starts at the beginning of the topic and
 * its rate is taken over the measured part only (after one warm-up event per entity and a tenth of N).
 */
public final class StreamBenchmark {

  private final StreamBenchOptions o;
  private final PrintWriter log;
  private final long started = System.nanoTime();

  private StreamBenchmark(StreamBenchOptions o, PrintWriter log) {
    this.o = o;
    this.log = log;
  }

  /** Runs everything {@code options} asks for; progress goes to {@code log}. */
  public static StreamBenchReport run(StreamBenchOptions options, PrintWriter log) throws Exception {
    return new StreamBenchmark(options, log).run();
  }

  private StreamBenchReport run() throws Exception {
    Files.createDirectories(o.workDir);
    EmbeddedStack stack = null;
    SchemaRegistryClient registry = null;
    Admin admin = null;
    BenchContext ctx = null;
    try {
      Map<String, Object> client = new LinkedHashMap<>();
      if (o.external()) {
        client.put("bootstrap.servers", o.bootstrapServers);
        progress("using Kafka at %s and the registry at %s", o.bootstrapServers, o.schemaRegistryUrl);
        registry = new SchemaRegistryClient(o.schemaRegistryUrl);
      } else {
        progress("starting the in-process Kafka broker and schema registry (127.0.0.1) ...");
        stack = EmbeddedStack.start(o.workDir.resolve("stack"));
        client.put("bootstrap.servers", stack.bootstrapServers());
        registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        progress("  Kafka %s, registry %s", stack.bootstrapServers(), stack.schemaRegistryUrl());
      }
      admin = Admin.create(Map.of("bootstrap.servers", client.get("bootstrap.servers")));
      ctx = new BenchContext(o, log, started, client, CellstreamSerdes.using(registry), admin);
      describe(ctx);
      measure(ctx);
      ctx.report.put("seconds", StreamBenchReport.round((System.nanoTime() - started) / 1e9, 1));
      return ctx.report;
    } finally {
      if (admin != null) {
        if (o.external() && ctx != null) {
          ctx.deleteTopics();
        }
        admin.close();
      }
      if (registry != null) {
        registry.close();
      }
      if (stack != null) {
        progress("stopping the in-process broker and registry ...");
        stack.close();
      }
      FileTrees.deleteTree(o.workDir.resolve("state"));
      FileTrees.deleteTree(o.workDir.resolve("stack"));
    }
  }

  private void progress(String fmt, Object... args) {
    Object[] a = new Object[args.length + 1];
    a[0] = (System.nanoTime() - started) / 1e9;
    System.arraycopy(args, 0, a, 1, args.length);
    log.printf(Locale.ROOT, "[%5.1fs] " + fmt + "%n", a);
    log.flush();
  }

  // ------------------------------------------------------------------ the plan

  private void measure(BenchContext ctx) throws Exception {
    LstmKernel lstm = LstmKernels.get();
    LstmKernel pass = new PassThroughKernel(lstm);
    StreamBenchReport report = ctx.report;

    ThroughputPhase.Result main = ThroughputPhase.run(ctx, lstm, pass);
    if (o.phases.contains("latency")) {
      LatencyPhase.run(ctx, lstm, main);
    } else {
      report.put("latency", List.of());
    }
    StateFigures window = null;
    if (o.phases.contains("training")) {
      window = TrainingPhase.run(ctx, lstm);
    }
    StatePhase.sizes(ctx, main.inference(), window);
    if (o.phases.contains("training")) {
      TrainingPhase.trainerAgainstKernel(ctx, lstm);
    }
    // The state path's variants are measured against the scaling phase's largest E, so "state" runs it too.
    if (o.phases.contains("scaling") || o.phases.contains("state")) {
      ScalingPhase.Largest largest = ScalingPhase.run(ctx, lstm, main);
      if (o.phases.contains("state")) {
        StatePhase.path(ctx, lstm, largest);
      }
    }
    report.ratio(main.ratio(), o.hiddenSize);
    report.put("notes", ctx.runNotes);
  }

  // ------------------------------------------------------------------ helpers

  private void describe(BenchContext ctx) {
    Map<String, Object> m = ctx.report.section("machine");
    m.put("cpu", BenchContext.cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("jdk", System.getProperty("java.vm.vendor") + " " + Runtime.version());
    m.put("kernel", LstmKernels.get().name());
    m.put("kernelReason", LstmKernels.reason());
    m.put("maxHeapMb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    m.put("broker", o.external() ? "external " + o.bootstrapServers : "in-process KRaft broker + Apicurio child process, 127.0.0.1");
    Map<String, Object> c = ctx.report.section("config");
    c.put("preset", o.quick ? "quick" : "full");
    c.put("D", o.inputSize);
    c.put("H", o.hiddenSize);
    c.put("K", 1);
    c.put("partitions", o.partitions);
    c.put("entities", o.entities);
    c.put("events", o.events);
    c.put("repeats", o.repeats);
    c.put("scaling", o.scaling);
    c.put("scalingEvents", o.scalingEvents);
    c.put("window", o.window);
    c.put("publishSeconds", o.publishSeconds);
    c.put("loadFraction", o.loadFraction);
    c.put("stateMemoryMb", o.stateMemoryMb);
    c.put("streamsOverrides", o.streamsOverrides);
    ctx.progress("bench stream (%s): D=%d H=%d, %s, %d cores, %s; kernel %s; load average %.2f", o.quick ? "quick: smaller sizes" : "full",
        o.inputSize, o.hiddenSize, BenchContext.cpuModel(), Runtime.getRuntime().availableProcessors(), m.get("jdk"), m.get("kernel"),
        (double) m.get("loadAverage"));
  }

  static Map<String, String> parseSettings(List<String> kv) {
    Map<String, String> m = new HashMap<>();
    for (String s : kv) {
      int i = s.indexOf('=');
      if (i <= 0) {
        throw new IllegalArgumentException("expected key=value, got " + s);
      }
      m.put(s.substring(0, i).strip(), s.substring(i + 1).strip());
    }
    return m;
  }
}
