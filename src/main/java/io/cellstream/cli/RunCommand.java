package io.cellstream.cli;

import io.cellstream.config.CellstreamConfig;
import io.cellstream.config.ConfigException;
import io.cellstream.config.Settings;
import io.cellstream.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
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
   * Runs until SIGTERM/SIGINT (clean close within the configured timeout, exit 0, or 1 if it timed out) or
   * until processing fails (exit 70).
   *
   * <p>The signals are handled directly rather than by a JVM shutdown hook: once the JVM shuts down, every
   * hook runs at once, and the embedded broker's own hook would stop it while Kafka Streams is still
   * committing (the close would then time out). Handling the signal closes Kafka Streams first, then the
   * embedded stack, then exits. A second signal while closing exits at once (code 1). Where signals cannot be
   * handled, a shutdown hook does the same close.
   */
  static int awaitShutdown(ServiceRunner runner, EmbeddedStack stack, CellstreamConfig c) throws InterruptedException {
    CountDownLatch stopping = new CountDownLatch(1);
    AtomicBoolean closing = new AtomicBoolean();
    IntSupplier stop = () -> {
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
      return code;
    };
    Thread hook = new Thread(() -> {
      if (closing.compareAndSet(false, true)) {
        // A JVM shutdown hook cannot choose the exit status: close, then halt with it.
        Runtime.getRuntime().halt(stop.getAsInt());
      }
    }, "cellstream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    Runnable onSignal = () -> {
      if (closing.compareAndSet(false, true)) {
        System.exit(stop.getAsInt());
      } else {
        log.warn("second stop signal while closing: exiting now, without waiting for a clean close");
        Runtime.getRuntime().halt(EXIT_SHUTDOWN_TIMEOUT);
      }
    };
    Signals.handle(onSignal, "TERM", "INT");

    while (!stopping.await(1, TimeUnit.SECONDS)) {
      if (!runner.service().isAlive() && closing.compareAndSet(false, true)) {
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
    // The signal handler (or the hook) owns the exit from here on.
    Thread.currentThread().join();
    return EXIT_OK;
  }

  /**
   * OS signal handling through {@code sun.misc.Signal} (module jdk.unsupported, meant for exactly this),
   * reached reflectively so that the build stays free of proprietary-API warnings. Returns false where it is
   * not available; the shutdown hook then does the work.
   */
  static final class Signals {
    private Signals() {}

    static boolean handle(Runnable action, String... names) {
      try {
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
        Object handler = Proxy.newProxyInstance(RunCommand.class.getClassLoader(), new Class<?>[] {handlerType},
            (proxy, method, args) -> switch (method.getName()) {
              case "handle" -> {
                action.run();
                yield null;
              }
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> "cellstream stop signal handler";
            });
        Method handle = signal.getMethod("handle", signal, handlerType);
        for (String name : names) {
          handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
        }
        return true;
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        log.debug("cannot handle signals {} directly ({}); relying on the shutdown hook", java.util.Arrays.toString(names), e.toString());
        return false;
      }
    }
  }
}
