package io.cellstream.cli;

import io.cellstream.embedded.EmbeddedStack;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a long-running command ({@code run}, {@code demo}, {@code tail --follow}) stops: the one shutdown mechanism
 * around the embedded stack.
 *
 * <p>SIGTERM, SIGINT (Ctrl-C) and SIGHUP are handled here instead of starting the JVM's shutdown. The signal only
 * requests the stop; the command notices ({@link #isRequested()}, {@link #await}, {@link #onRequest}), closes what
 * it opened in order on its own thread — Kafka Streams and the other Kafka clients first, the embedded broker and
 * registry after, as try-with-resources does — and returns its exit code. Shutdown hooks could not keep that order:
 * the JVM runs all hooks at once, and the embedded broker's own would stop it under clients still committing. So
 * {@link #closeLast} detaches the stack's hooks, and the command's structure closes it.
 *
 * <p>A second signal while closing exits at once with {@link RunCommand#EXIT_SHUTDOWN_TIMEOUT}. Where signals
 * cannot be handled (a JVM without {@code sun.misc.Signal}), a shutdown hook requests the stop instead, waits for
 * the command to finish closing, and then closes a stack given to {@link #closeLast} if the command has not.
 */
final class StopSignal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StopSignal.class);
  private static final String[] SIGNALS = {"TERM", "INT", "HUP"};
  /** How long the fallback hook waits for the command to close what it opened. */
  private static final long HOOK_WAIT_SECONDS = 120;

  private final String command;
  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicInteger signals = new AtomicInteger();
  private final List<Runnable> onRequest = new ArrayList<>();
  private final Thread hook;
  private final Map<String, Object> previousHandlers;
  private volatile EmbeddedStack stack;

  private StopSignal(String command) {
    this.command = command;
    this.hook = new Thread(this::onJvmShutdown, "cellstream-" + command + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    this.previousHandlers = Signals.handle(this::onSignal, SIGNALS);
  }

  /** Handles the stop signals for {@code command} until {@link #close()}. */
  static StopSignal install(String command) {
    return new StopSignal(command);
  }

  /** Whether a stop was requested. */
  boolean isRequested() {
    return requested.getCount() == 0;
  }

  /** Waits up to {@code timeout} for a stop request; true if one came. */
  boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return requested.await(timeout, unit);
  }

  /**
   * Runs {@code action} once when the stop is requested (at once if it was already), on the thread that
   * received the signal: to print what happens next, or to wake a blocked poll. Keep it short.
   */
  void onRequest(Runnable action) {
    boolean now;
    synchronized (onRequest) {
      now = isRequested();
      if (!now) {
        onRequest.add(action);
      }
    }
    if (now) {
      action.run();
    }
  }

  /**
   * The command closes {@code stack} itself, after its clients: its own shutdown hooks are detached (see the class
   * comment); the fallback hook closes it if the command could not. Returns the stack.
   */
  EmbeddedStack closeLast(EmbeddedStack stack) {
    stack.detachShutdownHooks();
    this.stack = stack;
    return stack;
  }

  /** Requests the stop, as a signal would. */
  void request() {
    List<Runnable> actions;
    synchronized (onRequest) {
      if (isRequested()) {
        return;
      }
      requested.countDown();
      actions = List.copyOf(onRequest);
      onRequest.clear();
    }
    for (Runnable a : actions) {
      try {
        a.run();
      } catch (RuntimeException e) {
        log.debug("stop action of {} failed: {}", command, e.toString());
      }
    }
  }

  private void onSignal() {
    if (signals.incrementAndGet() == 1) {
      request();
    } else {
      log.warn("second stop signal while closing: exiting now, without waiting for a clean close");
      System.err.flush();
      Runtime.getRuntime().halt(RunCommand.EXIT_SHUTDOWN_TIMEOUT);
    }
  }

  /** The JVM is shutting down without a signal we handled: stop the command and let it close in order. */
  private void onJvmShutdown() {
    request();
    try {
      if (!finished.await(HOOK_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.warn("{} did not finish closing within {} s of the JVM's shutdown", command, HOOK_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    EmbeddedStack s = stack;
    if (s != null && finished.getCount() > 0) {
      s.close();
    }
  }

  /** The command has closed everything: the default signal handling returns, the fallback hook is dropped. */
  @Override
  public void close() {
    stack = null;
    finished.countDown();
    Signals.restore(previousHandlers);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already: the hook sees `finished` and returns
    }
  }

  /**
   * OS signal handling through {@code sun.misc.Signal} (module jdk.unsupported, meant for exactly this), reached
   * reflectively so that the build stays free of proprietary-API warnings. Where it is not available, nothing is
   * installed and the shutdown hook does the work.
   */
  static final class Signals {
    private Signals() {}

    /** Installs {@code action} for the signals it can; returns the handlers it replaced, to give them back. */
    static Map<String, Object> handle(Runnable action, String... names) {
      try {
        Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
        Object handler = Proxy.newProxyInstance(StopSignal.class.getClassLoader(), new Class<?>[] {handlerType},
            (proxy, method, args) -> switch (method.getName()) {
              case "handle" -> {
                action.run();
                yield null;
              }
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> "cellstream stop signal handler";
            });
        Map<String, Object> previous = new LinkedHashMap<>();
        for (String name : names) {
          Object old = install(name, handler);
          if (old != null) {
            previous.put(name, old);
          }
        }
        return previous;
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        log.debug("cannot handle signals {} directly ({}); relying on the shutdown hook", Arrays.toString(names),
            e.toString());
        return Map.of();
      }
    }

    /** Gives the signals back to the handlers {@link #handle} replaced (the JVM's, which run the shutdown hooks). */
    static void restore(Map<String, Object> previous) {
      previous.forEach((name, handler) -> {
        try {
          install(name, handler);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
          log.debug("cannot give signal {} back: {}", name, e.toString());
        }
      });
    }

    /** Installs one handler; returns the one it replaced, or null if the signal cannot be handled here. */
    private static Object install(String name, Object handler) throws ReflectiveOperationException {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      try {
        return signal.getMethod("handle", signal, handlerType)
            .invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
      } catch (java.lang.reflect.InvocationTargetException e) {
        // e.g. SIGHUP ignored because the JVM runs under nohup: it stays as it is.
        log.debug("signal {} cannot be handled here: {}", name, e.getCause().toString());
        return null;
      }
    }
  }
}
