package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
import io.cellstream.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
      description = "With --embedded: where the broker, the registry and Kafka Streams keep their data, kept across runs (default: temporary directories, deleted at exit).")
  Path dataDir;

  @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP interface to bind (cellstream.http.host; default 127.0.0.1; 0.0.0.0 for all).")
  String httpHost;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (cellstream.http.port; default 8080; 0 = any free port).")
  Integer httpPort;

  @Option(names = "--print-config", description = "Print the effective configuration (secrets masked) and exit.")
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
    Settings settings;
    try {
      settings = config.settings(extra);
    } catch (IOException e) {
      return fail(err, EXIT_CONFIG, e.getMessage(), null);
    }
    CellstreamConfig c = CellstreamConfig.from(settings);
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush();
      return EXIT_OK;
    }

    EmbeddedStack stack = null;
    if (embedded) {
      log.info("starting the embedded broker and schema registry ...");
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        stack = EmbeddedStack.start(dataDir); // keeps kafka/ and registry/ (schema ids stay valid across restarts)
      } else {
        stack = EmbeddedStack.start();
      }
      settings.set("bootstrap.servers", stack.bootstrapServers(), "--embedded");
      settings.set("schema.registry.url", stack.schemaRegistryUrl(), "--embedded");
      if (dataDir != null) {
        settings.set("state.dir", dataDir.resolve("streams").toString(), "--embedded --data-dir");
      }
      c = CellstreamConfig.from(settings);
      log.info("embedded Kafka at {}, schema registry at {}", stack.bootstrapServers(), stack.schemaRegistryUrl());
    }
    log.info("configuration:\n{}", settings.describe());

    ServiceRunner runner;
    try {
      runner = ServiceRunner.start(c, true);
    } catch (Exception e) {
      if (stack != null) {
        stack.close();
      }
      throw e;
    }
    return awaitShutdown(runner, stack, c);
  }

  /**
   * Runs until SIGTERM/SIGINT (clean close within the configured timeout) or until processing fails.
   * A JVM shutdown hook cannot choose the exit status, so the hook closes and then halts with it.
   */
  static int awaitShutdown(ServiceRunner runner, EmbeddedStack stack, CellstreamConfig c) throws InterruptedException {
    CountDownLatch stopping = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopping.countDown();
      log.info("shutdown requested; closing Kafka Streams (timeout {} s)", c.shutdownTimeout().toSeconds());
      boolean clean = runner.close(c.shutdownTimeout());
      if (stack != null) {
        stack.close();
      }
      int code = clean ? EXIT_OK : EXIT_SHUTDOWN_TIMEOUT;
      log.info("stopped ({}), exit code {}", clean ? "clean" : "timed out after " + c.shutdownTimeout().toSeconds() + " s", code);
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(code);
    }, "cellstream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    while (!stopping.await(1, TimeUnit.SECONDS)) {
      if (!runner.service().isAlive()) {
        Runtime.getRuntime().removeShutdownHook(hook);
        log.error("stream processing stopped: {}", runner.service().fatalError() == null
            ? runner.service().streams().state() : runner.service().fatalError().toString());
        runner.close(c.shutdownTimeout());
        if (stack != null) {
          stack.close();
        }
        log.error("stopped after a failure, exit code {}", EXIT_FAILED);
        return EXIT_FAILED;
      }
    }
    // The hook owns the exit from here on.
    Thread.currentThread().join();
    return EXIT_OK;
  }
}
