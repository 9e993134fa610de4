package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
import io.cellstream.embedded.EmbeddedStack;
import io.cellstream.embedded.EmbeddedSchemaRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cellstream run}: the service, against your Kafka and schema registry or an embedded pair. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {
        "Runs the service: reads events and labels, publishes predictions, learns online, rolls out model versions.",
        "Serves /health/live, /health/ready, /metrics, /entities/{id}, /model on the HTTP port.",
        "Configuration, lowest precedence first: defaults, --config FILE, CELLSTREAM_* environment variables, options.",
        "Output: --print-config prints to stdout; everything else, logs included, goes to stderr.",
        "",
        "Exit codes: 0 stopped cleanly (SIGTERM/Ctrl-C), 1 shutdown timed out, 2 invalid configuration,",
        "3 Kafka or the schema registry unreachable, 70 stream processing failed (or an unexpected error)."})
public final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  public static final int EXIT_OK = 0;
  public static final int EXIT_SHUTDOWN_TIMEOUT = 1;
  public static final int EXIT_CONFIG = 2;
  public static final int EXIT_UNREACHABLE = 3;
  public static final int EXIT_FAILED = 70;

  @Spec CommandSpec spec;

  @Mixin ConfigOptions config;

  @Option(names = "--embedded",
      description = "Start an in-process Kafka broker and an Apicurio schema registry on 127.0.0.1 and use them (a quick local service; needs a full JDK for the registry).")
  boolean embedded;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = {"With --embedded: where the broker, the registry and Kafka Streams keep their data and logs, kept across runs.",
          "Default: a private temporary directory, deleted at exit (each instance its own, so several run side by side).",
          "State written against another Kafka cluster is refused, not reused."})
  Path dataDir;

  @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP interface to bind (cellstream.http.host; default 127.0.0.1; 0.0.0.0 for all).")
  String httpHost;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (cellstream.http.port; default 8080, with --embedded any free one; 0 = any free port).")
  Integer httpPort;

  @Option(names = "--delivery", paramLabel = "MODE",
      description = {"How predictions are delivered (cellstream.delivery):",
          "exactly-once (default): Kafka transactions; each prediction visible once, when its transaction commits (every 100 ms).",
          "low-latency: at-least-once; visible within milliseconds; after a crash a prediction may come twice, byte for",
          "byte the same (dedupe by key and eventId), while each entity's memory still applies every event once."})
  String delivery;

  @Option(names = "--print-config", description = "Print the configuration the run would use, where each value comes from (secrets masked), and exit.")
  boolean printConfig;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run(err);
    } catch (ConfigException e) {
      return fail(err, EXIT_CONFIG, e.getMessage(), null);
    } catch (ServiceRunner.UnreachableException e) {
      return fail(err, EXIT_UNREACHABLE, e.getMessage(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(err, EXIT_FAILED, "interrupted while starting", null);
    } catch (Exception | Error e) {
      // Not one of the expected failures: keep the stack trace in the log, the one-line reason on stderr.
      return fail(err, EXIT_FAILED, "failed to start: " + e, e);
    }
  }

  private static int fail(PrintWriter err, int code, String message, Throwable t) {
    if (t != null) {
      log.error("cellstream run failed to start", t);
    }
    err.println("cellstream run: " + message);
    err.flush();
    return code;
  }

  private int run(PrintWriter err) throws Exception {
    Map<String, String> extra = new HashMap<>();
    if (httpHost != null) {
      extra.put("cellstream.http.host", httpHost);
    }
    if (httpPort != null) {
      extra.put("cellstream.http.port", String.valueOf(httpPort));
    }
    if (delivery != null) {
      extra.put("cellstream.delivery", delivery);
    }
    Settings settings;
    try {
      settings = config.settings(extra);
    } catch (IOException e) {
      return fail(err, EXIT_CONFIG, e.getMessage(), null);
    }
    if (dataDir != null && !embedded) {
      return fail(err, EXIT_CONFIG, "--data-dir applies to --embedded only (the local broker's data); "
          + "for the state of a run against your Kafka use --set state.dir=DIR", null);
    }
    if (embedded) {
      useEmbedded(settings, null);
    } else if (!settings.has(StreamsConfig.STATE_DIR_CONFIG)) {
      settings.set(StreamsConfig.STATE_DIR_CONFIG, StateDirectoryGuard.stateDir(new Properties()).toString(),
          "Kafka Streams default");
    }
    CellstreamConfig.from(settings); // every problem now, before anything starts
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush();
      return EXIT_OK;
    }

    int code;
    try (StopSignal stop = StopSignal.install("run");
         EmbeddedStack stack = embedded ? stop.closeLast(startEmbedded()) : null) {
      if (stack != null) {
        useEmbedded(settings, stack);
        log.info("embedded Kafka at {}, schema registry at {}; data in {}", stack.bootstrapServers(),
            stack.schemaRegistryUrl(), stack.directory().orElseThrow()
                + (stack.isTemporary() ? " (temporary, deleted at exit)" : ""));
      }
      CellstreamConfig c = CellstreamConfig.from(settings);
      log.info("configuration:\n{}", settings.describe());
      try (ServiceRunner runner = ServiceRunner.start(c, true)) {
        if (stack != null) {
          log.info("read what it writes with: bin/cellstream tail predictions --config {}",
              ClientProperties.write(stack, c));
        }
        code = awaitShutdown(runner, c, stop, stack != null);
      }
    }
    if (code == EXIT_FAILED) {
      log.error("stopped after a failure, exit code {}", code);
    } else {
      log.info("stopped ({}), exit code {}", code == EXIT_OK ? "clean" : "timed out", code);
    }
    return code;
  }

  private EmbeddedStack startEmbedded() throws IOException {
    log.info("starting the embedded broker and schema registry ...");
    if (dataDir == null) {
      EmbeddedStack stack = EmbeddedStack.start();
      KnownBenignLogLines.privateStateDir(stack.streamsStateDir());
      return stack;
    }
    Files.createDirectories(dataDir);
    ClientProperties.removeStale(dataDir);
    Path logFile = dataDir.resolve("cellstream.log");
    if (Logging.alsoToFile(logFile)) {
      log.info("the full log, known-benign broker lines included, goes to {}", logFile);
    }
    return EmbeddedStack.start(dataDir); // keeps kafka/ and registry/ (schema ids stay valid across restarts)
  }

  /**
   * What --embedded changes, the same for --print-config (stack null: the addresses are picked at start, said so)
   * and for the run: the embedded broker and registry, Kafka Streams' state beside the broker's data (a state
   * directory must not outlive the cluster it belongs to), and any free HTTP port unless one was asked for, so that
   * local instances run side by side.
   */
  private void useEmbedded(Settings settings, EmbeddedStack stack) {
    Settings.Value userStateDir = settings.get(StreamsConfig.STATE_DIR_CONFIG);
    if (stack == null && userStateDir != null && !userStateDir.source().startsWith("--embedded")) {
      log.warn("state.dir {} ({}) is not used with --embedded: the state lives beside the embedded broker's data{}",
          userStateDir.value(), userStateDir.source(), dataDir == null ? " (--data-dir DIR keeps both)" : "");
    }
    String free = "<free port, picked at start>";
    settings.set("bootstrap.servers", stack != null ? stack.bootstrapServers() : "127.0.0.1:" + free,
        "--embedded: the in-process broker");
    settings.set("schema.registry.url", stack != null ? stack.schemaRegistryUrl()
        : "http://127.0.0.1:" + free + EmbeddedSchemaRegistry.CCOMPAT_PATH, "--embedded: the Apicurio child process");
    String stateDir = dataDir != null ? dataDir.toAbsolutePath().resolve("streams").toString()
        : stack != null ? stack.streamsStateDir().toString() : "<temporary directory, deleted at exit>/streams";
    settings.set(StreamsConfig.STATE_DIR_CONFIG, stateDir,
        dataDir != null ? "--embedded --data-dir" : "--embedded: private and temporary, like the broker's data");
    Settings.Value port = settings.get("cellstream.http.port");
    if (port == null || port.source().equals("default")) {
      settings.set("cellstream.http.port", "0", "--embedded: any free port (logged at start)");
    }
  }

  /**
   * Runs until a stop signal (clean close within the configured timeout: exit 0, or 1 if it timed out) or until
   * processing fails (exit 70). Kafka Streams is closed here; the caller closes the embedded stack after it.
   *
   * @param embedded the embedded broker and registry live in this process: when processing fails they keep serving
   *     the other clients (another instance, producers, tail) until the stop signal, instead of vanishing with it
   */
  static int awaitShutdown(ServiceRunner runner, CellstreamConfig c, StopSignal stop, boolean embedded)
      throws InterruptedException {
    while (!stop.await(1, TimeUnit.SECONDS)) {
      if (!runner.service().isAlive()) {
        log.error("stream processing stopped: {}", runner.service().fatalError() == null
            ? runner.service().streams().state() : runner.service().fatalError().toString());
        runner.close(c.shutdownTimeout());
        if (embedded) {
          log.error("the embedded broker and schema registry keep running for their other clients; stop this process"
              + " (SIGTERM or Ctrl-C) to stop them; the exit code will be {}", EXIT_FAILED);
          while (!stop.await(1, TimeUnit.SECONDS)) {
            // serving the broker and the registry until asked to stop
          }
        }
        return EXIT_FAILED;
      }
    }
    log.info("shutdown requested; closing Kafka Streams (timeout {} s)", c.shutdownTimeout().toSeconds());
    return runner.close(c.shutdownTimeout()) ? EXIT_OK : EXIT_SHUTDOWN_TIMEOUT;
  }
}
