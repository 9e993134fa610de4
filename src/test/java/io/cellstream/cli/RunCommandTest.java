package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cellstream run} in this JVM: the configuration path (file, environment, options, and their
 * precedence) through {@code --print-config}, and every way start-up can fail with its exit code and
 * message, as far as no broker is needed (the rest is {@link RunCommandIT}). A successful run never returns, so
 * that is tested in a child JVM ({@link RunProcessIT}).
 */
class RunCommandTest {

  /** Output, error output and exit code of one run. */
  record Result(int code, String out, String err) {}

  static Result run(Map<String, String> env, String... args) {
    RunCommand cmd = new RunCommand();
    CommandLine cl = new CommandLine(cmd);
    cmd.config.environment = env;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void precedenceIsDefaultsThenFileThenEnvironmentThenOptions(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cellstream.properties");
    Files.writeString(file, """
        cellstream.model.hidden-size=32
        cellstream.model.input-size=4
        cellstream.model.output-size=3
        cellstream.model.task=multiclass
        bootstrap.servers=from-file:9092
        linger.ms=20
        """);
    Result r = run(Map.of(
            "CELLSTREAM_MODEL_HIDDEN_SIZE", "48",
            "CELLSTREAM_MODEL_INPUT_SIZE", "5",
            "CELLSTREAM_BOOTSTRAP_SERVERS", "from-env:9092",
            "CELLSTREAM_KAFKA_COMPRESSION_TYPE", "zstd",
            "BOOTSTRAP_SERVERS", "not-ours:9092"),
        "--config", file.toString(),
        "--set", "cellstream.model.hidden-size=24",
        "--set", "bootstrap.servers=from-set:9092",
        "--bootstrap-servers", "from-option:9092",
        "--http-port", "9999",
        "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("cellstream.model.hidden-size = 24   (command line)")                               // option beats env
        .contains("cellstream.model.input-size = 5   (environment CELLSTREAM_MODEL_INPUT_SIZE)")      // env beats file
        .contains("cellstream.model.output-size = 3   (file " + file + ")")                           // file beats default
        .contains("cellstream.window.steps = 32   (default)")
        .contains("bootstrap.servers = from-option:9092   (command line)")                            // shortcut beats --set
        .contains("compression.type = zstd   (environment CELLSTREAM_KAFKA_COMPRESSION_TYPE)")
        .contains("linger.ms = 20   (file " + file + ")")
        .contains("cellstream.http.port = 9999   (command line)")
        .doesNotContain("not-ours");
  }

  @Test
  void printConfigShowsWhatTheLowLatencyDeliverySets() {
    Result r = run(Map.of(), "--delivery", "low-latency", "--set", "commit.interval.ms=500", "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("cellstream.delivery = low-latency   (command line)")
        .contains("processing.guarantee = at_least_once   (cellstream.delivery=low-latency)")
        .contains("producer.linger.ms = 0   (cellstream.delivery=low-latency)")
        .contains("commit.interval.ms = 500   (command line)");
    Result eos = run(Map.of(), "--print-config");
    assertThat(eos.out()).contains("cellstream.delivery = exactly-once   (default)")
        .contains("processing.guarantee = exactly_once_v2   (default)").doesNotContain("commit.interval.ms");
  }

  @Test
  void severalConfigFilesLayerInOrder(@TempDir Path dir) throws IOException {
    Path stack = dir.resolve("client.properties");
    Files.writeString(stack, "bootstrap.servers=stack:9092\ncellstream.topic.events=from-stack\n");
    Path useCase = dir.resolve("sensor.properties");
    Files.writeString(useCase, "cellstream.topic.events=sensor\ncellstream.model.hidden-size=16\n");
    Result r = run(Map.of(), "--config", stack.toString(), "--config", useCase.toString(), "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("bootstrap.servers = stack:9092   (file " + stack + ")")
        .contains("cellstream.topic.events = sensor   (file " + useCase + ")")                      // the later file wins
        .contains("cellstream.model.hidden-size = 16   (file " + useCase + ")");
  }

  @Test
  void printConfigMasksSecretsFromEveryLayer(@TempDir Path dir) throws IOException {
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"file-secret-1\";");
    Result r = run(Map.of("CELLSTREAM_ADMIN_TOKEN", "env-secret-token-0123456789",
            "CELLSTREAM_KAFKA_SSL_KEY_PASSWORD", "env-secret-2"),
        "--set", "sasl.jaas.config.file=" + jaas, "--set", "basic.auth.user.info=user:set-secret-3",
        "--schema-registry-url", "https://svc:url-secret-4@registry:8081", "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("cellstream.admin.token = ******", "sasl.jaas.config = ******",
            "ssl.key.password = ******", "basic.auth.user.info = ******", "https://******@registry:8081")
        .doesNotContain("env-secret-token", "file-secret-1", "env-secret-2", "set-secret-3", "url-secret-4");
  }

  /** --print-config shows what the run will use, not the defaults --embedded replaces. */
  @Test
  void printConfigShowsWhatAnEmbeddedRunWillUse(@TempDir Path dir) {
    Result r = run(Map.of(), "--embedded", "--bootstrap-servers", "ignored:9092", "--print-config");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("bootstrap.servers = 127.0.0.1:<free port, picked at start>   (--embedded: the in-process broker)")
        .contains("schema.registry.url = http://127.0.0.1:<free port, picked at start>/apis/ccompat/v7   (--embedded: the Apicurio child process)")
        .contains("state.dir = <temporary directory, deleted at exit>/streams   (--embedded: private and temporary")
        .contains("cellstream.http.port = 0   (--embedded: any free port")
        .doesNotContain("ignored:9092").doesNotContain("127.0.0.1:9092");

    Path data = dir.resolve("data");
    Result kept = run(Map.of(), "--embedded", "--data-dir", data.toString(), "--http-port", "8181", "--print-config");
    assertThat(kept.out()).contains("state.dir = " + data.toAbsolutePath().resolve("streams") + "   (--embedded --data-dir)")
        .contains("cellstream.http.port = 8181   (command line)");
    assertThat(data).as("printing starts nothing and creates nothing").doesNotExist();
  }

  @Test
  void printConfigShowsKafkaStreamsDefaultStateDirectory() {
    Result r = run(Map.of(), "--print-config");
    assertThat(r.out()).contains("state.dir = " + Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams")
        + "   (Kafka Streams default)");
  }

  @Test
  void aDataDirWithoutEmbeddedIsAConfigurationError(@TempDir Path dir) {
    Result r = run(Map.of(), "--data-dir", dir.toString(), "--print-config");
    assertThat(r.code()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(r.err()).contains("--data-dir applies to --embedded only");
  }

  @Test
  void aMissingConfigFileIsAConfigurationError(@TempDir Path dir) {
    Result r = run(Map.of(), "--config", dir.resolve("nope.properties").toString());
    assertThat(r.code()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(r.err()).contains("cellstream run: configuration file").contains("nope.properties does not exist");
  }

  @Test
  void everyConfigurationProblemIsListedAndTheExitCodeIs2() {
    Result r = run(Map.of("CELLSTREAM_MODEL_HIDDEN_SIZE", "big"),
        "--set", "cellstream.training.learning-rate=-1", "--set", "cellstream.modle.task=binary",
        "--set", "cellstream.admin.token=short");
    assertThat(r.code()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(r.err()).startsWith("cellstream run: configuration has 4 problems:")
        .contains("cellstream.model.hidden-size: must be an integer in 1..16384, got 'big' (from environment CELLSTREAM_MODEL_HIDDEN_SIZE)")
        .contains("cellstream.training.learning-rate: must be a number")
        .contains("cellstream.modle.task: unknown setting (command line)")
        .contains("cellstream.admin.token: use at least 16 characters")
        .doesNotContain("short (")
        .doesNotContain("Exception");
  }

  @Test
  void unreachableKafkaIsExit3WithinTheConfiguredTimeout() throws IOException {
    int port = unusedPort();
    long t0 = System.nanoTime();
    Result r = run(Map.of(), "--bootstrap-servers", "127.0.0.1:" + port,
        "--set", "default.api.timeout.ms=2000", "--set", "request.timeout.ms=1000", "--http-port", "0");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.code()).as(r.err()).isEqualTo(RunCommand.EXIT_UNREACHABLE);
    assertThat(r.err()).startsWith("cellstream run: cannot reach Kafka at 127.0.0.1:" + port + " within 2000 ms")
        .contains("Check bootstrap.servers (--bootstrap-servers)");
    assertThat(ms).as("the check honours default.api.timeout.ms").isLessThan(12_000);
  }

  static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
