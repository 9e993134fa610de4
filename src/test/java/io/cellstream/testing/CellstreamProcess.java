package io.cellstream.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code bin/cellstream ARGS} in a child process, exactly as a user runs it: the launcher (its JDK discovery and
 * JVM flags) over the jar the build packaged, stdout and stderr in two files, so that a test sees what a user sees
 * and can tell results from logs. The one way the integration tests start cellstream outside their own JVM (for
 * real exit codes, signals and {@code kill -9}).
 *
 * <pre>{@code
 * try (CellstreamProcess demo = CellstreamProcess.command("demo", "--events", "30000", "--json")
 *     .javaOptions("-Xmx512m").outputIn(dir).start()) {
 *   assertThat(demo.waitFor(Duration.ofMinutes(3))).isTrue();
 *   JsonNode last = JSON.readTree(demo.stdoutLines().getLast());
 *   assertThat(CellstreamProcess.warningsAndErrors(demo.stderr())).isEmpty();
 * }
 * }</pre>
 *
 * <p>The environment is the test's without any {@code CELLSTREAM_*} variable, plus what {@link Builder#env} adds;
 * {@code CELLSTREAM_NO_BUILD=1} keeps the launcher from rebuilding (the integration lane runs after {@code
 * package}). Closing kills a child that is still running.
 */
public final class CellstreamProcess implements AutoCloseable {

  /** A log line at WARN or ERROR (logback's pattern) or a JVM warning ("WARNING: ..."). */
  private static final Pattern WARNING_OR_ERROR =
      Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(WARN|ERROR)\\b.*|WARNING: .*|.*\\bException\\b.*)$");
  /**
   * The one warning the JVM prints for any use of an incubator module, with no switch to turn it off: cellstream
   * runs the Vector API from one on purpose.
   */
  public static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final List<String> command;

  private CellstreamProcess(Process process, Path stdout, Path stderr, List<String> command) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.command = command;
  }

  /** {@code bin/cellstream} with these arguments, to be configured and started. */
  public static Builder command(String... args) {
    return new Builder(List.of(args));
  }

  /** {@code bin/cellstream} with these arguments, to be configured and started. */
  public static Builder command(List<String> args) {
    return new Builder(List.copyOf(args));
  }

  /** The checkout: failsafe passes {@code cellstream.home}; else the working directory (the module root). */
  public static Path home() {
    return Path.of(System.getProperty("cellstream.home", ".")).toAbsolutePath().normalize();
  }

  public Process process() {
    return process;
  }

  /** The pid of the JVM itself (the launcher execs it). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path stdoutFile() {
    return stdout;
  }

  public Path stderrFile() {
    return stderr;
  }

  /** Everything written to stdout so far. */
  public String stdout() {
    return read(stdout);
  }

  /** Everything written to stderr so far. */
  public String stderr() {
    return read(stderr);
  }

  /** stdout's non-empty lines. */
  public List<String> stdoutLines() {
    return stdout().lines().filter(l -> !l.isBlank()).toList();
  }

  /** SIGTERM, as {@code kill PID} or a container stop sends it (the same path as Ctrl-C). */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: no close, no commit. */
  public void kill() {
    process.destroyForcibly();
  }

  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** The command line, stdout and stderr: what a failed assertion needs to be understood. */
  public String describe() {
    return "bin/cellstream " + String.join(" ", command) + "\n--- stdout (" + stdout + "):\n" + stdout()
        + "\n--- stderr (" + stderr + "):\n" + stderr();
  }

  /**
   * The lines of {@code output} that report a warning, an error or an exception — what a user would read as
   * trouble — except the JVM's {@link #INCUBATOR_WARNING}.
   */
  public static List<String> warningsAndErrors(String output) {
    return output.lines().filter(l -> WARNING_OR_ERROR.matcher(l).matches())
        .filter(l -> !l.equals(INCUBATOR_WARNING)).toList();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Options of one child. */
  public static final class Builder {
    private final List<String> args;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> javaOptions = new ArrayList<>(List.of("-Xmx512m"));
    private Path outputDir;
    private String name = "cellstream";

    private Builder(List<String> args) {
      this.args = args;
    }

    /** An environment variable of the child (e.g. {@code CELLSTREAM_ADMIN_TOKEN}). */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Environment variables of the child. */
    public Builder env(Map<String, String> vars) {
      env.putAll(vars);
      return this;
    }

    /** JVM options (through {@code CELLSTREAM_JAVA_OPTS}); replaces the default {@code -Xmx512m}. */
    public Builder javaOptions(String... options) {
      javaOptions.clear();
      javaOptions.addAll(List.of(options));
      return this;
    }

    /** The child's {@code java.io.tmpdir}: where its temporary directories go (to check they are removed). */
    public Builder tmpDir(Path dir) {
      javaOptions.add("-Djava.io.tmpdir=" + dir.toAbsolutePath());
      return this;
    }

    /** Where {@code <name>.out} and {@code <name>.err} go (default: target/child-processes). */
    public Builder outputIn(Path dir) {
      this.outputDir = dir;
      return this;
    }

    /** The base name of the output files (default {@code cellstream}); e.g. one per child of a test. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public CellstreamProcess start() throws IOException {
      Path home = home();
      Path launcher = home.resolve("bin").resolve("cellstream");
      if (!Files.isExecutable(launcher) || !Files.isRegularFile(home.resolve("target").resolve("cellstream.jar"))) {
        throw new IllegalStateException("no " + launcher + " with a packaged target/cellstream.jar: integration tests"
            + " run after `package` (./mvnw verify, bin/test)");
      }
      Path dir = outputDir != null ? outputDir : home.resolve("target").resolve("child-processes");
      Files.createDirectories(dir);
      Path out = dir.resolve(name + ".out");
      Path err = dir.resolve(name + ".err");
      List<String> cmd = new ArrayList<>();
      cmd.add(launcher.toString());
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("CELLSTREAM_"));
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.environment().put("CELLSTREAM_NO_BUILD", "1");
      pb.environment().put("CELLSTREAM_JAVA_OPTS", String.join(" ", javaOptions));
      pb.environment().putAll(env);
      return new CellstreamProcess(pb.start(), out, err, args);
    }
  }
}
