package io.cellstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.lstm.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CellstreamConfigTest {

  private static Settings defaults() {
    return new Settings().withDefaults(CellstreamConfig.defaults());
  }

  @Test
  void theDocumentedFileIsTheTableOfKeys() throws IOException {
    Path file = Path.of("config/cellstream.properties");
    if (Boolean.getBoolean("config.regenerate")) {
      Files.writeString(file, CellstreamConfig.renderPropertiesFile());
    }
    assertThat(Files.readString(file))
        .as("config/cellstream.properties is generated from CellstreamConfig.KEYS; run the test with -Dconfig.regenerate=true")
        .isEqualTo(CellstreamConfig.renderPropertiesFile());
  }

  @Test
  void defaultsAreValid() {
    CellstreamConfig c = CellstreamConfig.from(defaults());
    assertThat(c.applicationId()).isEqualTo("cellstream");
    assertThat(c.stream().spec().hiddenSize()).isEqualTo(io.cellstream.learn.LearnerSettings.DEFAULT_HIDDEN_SIZE);
    // one set of defaults: the service learns exactly as eval and the demo do by default
    assertThat(c.stream().learner()).isEqualTo(io.cellstream.learn.LearnerSettings.DEFAULTS);
    assertThat(c.stream().spec().task()).isEqualTo(Task.BINARY);
    assertThat(c.stream().topics().trainingExamples()).isEqualTo("cellstream-training-examples");
    assertThat(c.kafka().getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
    assertThat(c.kafka()).doesNotContainKey("schema.registry.url");
    assertThat(c.kafka().keySet()).noneMatch(k -> k.toString().startsWith("cellstream."));
  }

  @Test
  void theStateStoresAreSizedFromTheBudgetAndTheExpectedEntities() {
    CellstreamConfig c = CellstreamConfig.from(defaults());
    var spec = c.stream().spec();
    int value = io.cellstream.stream.StateStoreSettings.estimatedValueBytes(spec, c.stream().windowSteps(),
        c.stream().checkpointEvery(), c.stream().keepGates(), c.stream().delivery().emissionsKept());
    var expected = io.cellstream.stream.StateStoreSettings.derive(CellstreamConfig.DEFAULT_STATE_MEMORY_BUDGET_MB << 20,
        CellstreamConfig.DEFAULT_EXPECTED_ENTITIES, value);
    assertThat(c.stateStore()).isEqualTo(expected);
    assertThat(c.kafka().getProperty("rocksdb.config.setter")).isEqualTo(io.cellstream.stream.CellstreamRocksDbConfig.class.getName());
    assertThat(c.kafka().getProperty("statestore.cache.max.bytes")).isEqualTo(String.valueOf(expected.recordCacheBytes()));
    assertThat(c.kafka().getProperty(io.cellstream.stream.CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG))
        .isEqualTo(String.valueOf(expected.blockCacheBytes()));

    // More entities than half the budget holds: Kafka Streams' 10 MB record cache, the rest to RocksDB.
    CellstreamConfig big = CellstreamConfig.from(defaults().withCommandLine(Map.of(
        "cellstream.state.memory-budget-mb", "2048", "cellstream.state.expected-entities", "10000000")));
    assertThat(big.stateStore().recordCacheBytes()).isEqualTo(10L << 20);
    assertThat(big.stateStore().blockCacheBytes()).isEqualTo(2038L << 20);
  }

  @Test
  void explicitStoreSettingsWinAndABudgetOfZeroKeepsKafkaStreamsDefaults() {
    CellstreamConfig given = CellstreamConfig.from(defaults().withCommandLine(Map.of("statestore.cache.max.bytes", "1234")));
    assertThat(given.kafka().getProperty("statestore.cache.max.bytes")).isEqualTo("1234");
    assertThat(given.kafka().getProperty("rocksdb.config.setter")).isNotNull();

    CellstreamConfig off = CellstreamConfig.from(defaults().withCommandLine(Map.of("cellstream.state.memory-budget-mb", "0")));
    assertThat(off.stateStore().isKafkaStreamsDefault()).isTrue();
    assertThat(off.kafka()).doesNotContainKeys("rocksdb.config.setter", "statestore.cache.max.bytes");
  }

  @Test
  void aBudgetTooSmallOrNoEntitiesIsAProblem() {
    assertThatThrownBy(() -> CellstreamConfig.from(defaults().withCommandLine(Map.of(
        "cellstream.state.memory-budget-mb", "8", "cellstream.state.expected-entities", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cellstream.state.memory-budget-mb: must be 0 (Kafka Streams' defaults) or 16..")
        .hasMessageContaining("cellstream.state.expected-entities: must be >= 1");
  }

  @Test
  void precedenceIsDefaultsThenFileThenEnvironmentThenCommandLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "cellstream.model.hidden-size=32\ncellstream.model.input-size=3\ncellstream.model.output-size=2\n");
    Settings s = defaults().withFile(file)
        .withEnvironment(Map.of("CELLSTREAM_MODEL_HIDDEN_SIZE", "48", "CELLSTREAM_MODEL_INPUT_SIZE", "5",
            "CELLSTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "UNRELATED", "x"), CellstreamConfig.keyNames())
        .withCommandLine(Map.of("cellstream.model.hidden-size", "24"));
    CellstreamConfig c = CellstreamConfig.from(s);
    assertThat(c.stream().spec().hiddenSize()).isEqualTo(24);   // command line beats environment
    assertThat(c.stream().spec().inputSize()).isEqualTo(5);     // environment beats file
    assertThat(c.stream().spec().outputSize()).isEqualTo(2);    // file beats default
    assertThat(c.stream().spec().task()).isEqualTo(Task.BINARY); // default
    assertThat(c.kafka().getProperty("security.protocol")).isEqualTo("SASL_SSL");
    assertThat(s.get("cellstream.model.input-size").source()).isEqualTo("environment CELLSTREAM_MODEL_INPUT_SIZE");
  }

  @Test
  void everyProblemIsReportedOnceWithItsSource() {
    Settings s = defaults()
        .withEnvironment(Map.of("CELLSTREAM_MODEL_HIDDEN_SIZE", "abc"), CellstreamConfig.keyNames())
        .withCommandLine(Map.of("cellstream.model.task", "ranking", "cellstream.training.learning-rate", "-1",
            "cellstream.window.steps", "8", "cellstream.training.bptt-steps", "16", "cellstream.modle.name", "x",
            "cellstream.training.enabled", "yes", "schema.registry.url", "localhost:8081"));
    assertThatThrownBy(() -> CellstreamConfig.from(s))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          var problems = ((ConfigException) e).problems();
          assertThat(problems).anyMatch(p -> p.startsWith("cellstream.model.hidden-size: must be an integer in 1..16384, got 'abc' (from environment CELLSTREAM_MODEL_HIDDEN_SIZE)"));
          assertThat(problems).anyMatch(p -> p.startsWith("cellstream.model.task: unknown task 'ranking'"));
          assertThat(problems).anyMatch(p -> p.startsWith("cellstream.training.learning-rate: must be a number"));
          assertThat(problems).anyMatch(p -> p.startsWith("cellstream.modle.name: unknown setting"));
          assertThat(problems).anyMatch(p -> p.startsWith("cellstream.training.enabled: must be true or false, got 'yes'"));
          assertThat(problems).anyMatch(p -> p.startsWith("schema.registry.url: must start with http://"));
          assertThat(problems).hasSize(6); // the BPTT/window rule is not checked while training is unparseable
        });
  }

  @Test
  void lowLatencyDeliverySetsTheGuaranteeCommitIntervalAndLingerWhereNoneWasGiven() {
    Settings s = defaults().withCommandLine(Map.of("cellstream.delivery", "low-latency"));
    CellstreamConfig c = CellstreamConfig.from(s);
    assertThat(c.stream().delivery().lowLatency()).isTrue();
    assertThat(c.stream().delivery().emissionsKept()).isEqualTo(io.cellstream.stream.Delivery.DEFAULT_KEPT_PREDICTIONS);
    assertThat(c.kafka().getProperty("processing.guarantee")).isEqualTo("at_least_once");
    assertThat(c.kafka().getProperty("commit.interval.ms")).isEqualTo("1000");
    assertThat(c.kafka().getProperty("producer.linger.ms")).isEqualTo("0");
    // --print-config says where they came from.
    assertThat(s.describe()).contains("processing.guarantee = at_least_once   (cellstream.delivery=low-latency)")
        .contains("commit.interval.ms = 1000   (cellstream.delivery=low-latency)");

    Settings given = defaults().withCommandLine(Map.of("cellstream.delivery", "low-latency", "commit.interval.ms", "250",
        "linger.ms", "2", "cellstream.delivery.kept-predictions", "64"));
    CellstreamConfig g = CellstreamConfig.from(given);
    assertThat(g.kafka().getProperty("commit.interval.ms")).isEqualTo("250");
    assertThat(g.kafka()).doesNotContainKey("producer.linger.ms");
    assertThat(g.kafka().getProperty("linger.ms")).isEqualTo("2");
    assertThat(g.stream().delivery().keptPredictions()).isEqualTo(64);

    CellstreamConfig eos = CellstreamConfig.from(defaults());
    assertThat(eos.stream().delivery()).isEqualTo(io.cellstream.stream.Delivery.EXACTLY_ONCE);
    assertThat(eos.stream().delivery().emissionsKept()).as("nothing comes twice: nothing kept").isZero();
    assertThat(eos.kafka()).doesNotContainKey("commit.interval.ms");
  }

  @Test
  void atLeastOnceWithoutTheLowLatencyModeIsRefused() {
    // It would step an event delivered twice twice: the memory's bookkeeping is the low-latency mode's.
    Settings s = defaults().withCommandLine(Map.of("processing.guarantee", "at_least_once"));
    assertThatThrownBy(() -> CellstreamConfig.from(s))
        .hasMessageContaining("processing.guarantee: 'at_least_once' (from command line) does not go with cellstream.delivery=exactly-once")
        .hasMessageContaining("set cellstream.delivery=low-latency");
    Settings t = defaults().withCommandLine(Map.of("cellstream.delivery", "fast"));
    assertThatThrownBy(() -> CellstreamConfig.from(t)).hasMessageContaining("cellstream.delivery: exactly-once or low-latency, got 'fast'");
  }

  @Test
  void bpttLongerThanTheWindowIsExplained() {
    Settings s = defaults().withCommandLine(Map.of("cellstream.window.steps", "8", "cellstream.training.bptt-steps", "16"));
    assertThatThrownBy(() -> CellstreamConfig.from(s))
        .hasMessageContaining("cellstream.training.bptt-steps: 16 is longer than the window (cellstream.window.steps = 8)");
  }

  @Test
  void multiclassNeedsTwoOutputs() {
    Settings s = defaults().withCommandLine(Map.of("cellstream.model.task", "multiclass"));
    assertThatThrownBy(() -> CellstreamConfig.from(s)).hasMessageContaining("multiclass needs one output per class");
  }

  @Test
  void secretsComeFromFilesAndAreNeverPrinted(@TempDir Path dir) throws IOException {
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";\n");
    Settings s = defaults().withCommandLine(Map.of("sasl.jaas.config.file", jaas.toString(),
        "cellstream.admin.token", "0123456789abcdef-token"));
    CellstreamConfig c = CellstreamConfig.from(s);
    assertThat(c.kafka().getProperty("sasl.jaas.config")).contains("hunter2");
    assertThat(c.kafka()).doesNotContainKey("sasl.jaas.config.file");
    assertThat(c.adminToken()).isEqualTo("0123456789abcdef-token");
    assertThat(s.describe()).doesNotContain("hunter2").doesNotContain("0123456789abcdef-token").contains("sasl.jaas.config = ******");
  }

  @Test
  void anUnreadableSecretFileIsAProblem(@TempDir Path dir) {
    Settings s = defaults().withCommandLine(Map.of("ssl.key.password.file", dir.resolve("missing").toString()));
    assertThatThrownBy(() -> CellstreamConfig.from(s)).hasMessageContaining("ssl.key.password.file: cannot read");
  }

  @Test
  void aShortAdminTokenIsRefusedWithoutShowingIt() {
    Settings s = defaults().withCommandLine(Map.of("cellstream.admin.token", "short"));
    assertThatThrownBy(() -> CellstreamConfig.from(s))
        .hasMessageContaining("cellstream.admin.token: use at least 16 characters")
        .hasMessageNotContaining("short (");
  }

  @Test
  void everyDocumentedKeyHasItsOwnPrefixedVariable() {
    assertThat(Settings.envName("cellstream.model.hidden-size")).isEqualTo("CELLSTREAM_MODEL_HIDDEN_SIZE");
    assertThat(Settings.envName("bootstrap.servers")).isEqualTo("CELLSTREAM_BOOTSTRAP_SERVERS");
    assertThat(Settings.envName("schema.registry.url")).isEqualTo("CELLSTREAM_SCHEMA_REGISTRY_URL");
    assertThat(CellstreamConfig.keyNames().stream().map(Settings::envName).distinct().count())
        .as("no two keys share a variable").isEqualTo(CellstreamConfig.keyNames().size());
    assertThat(CellstreamConfig.keyNames()).allMatch(k -> Settings.envName(k).startsWith("CELLSTREAM_")
        && !Settings.envName(k).startsWith("CELLSTREAM_KAFKA_"));
  }

  @Test
  void onlyPrefixedVariablesAreRead() {
    Settings s = defaults().withEnvironment(Map.of(
        "BOOTSTRAP_SERVERS", "elsewhere:9092",          // a generic name some other tool set: ignored
        "APPLICATION_ID", "not-ours",
        "CELLSTREAM_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092",
        "CELLSTREAM_SCHEMA_REGISTRY_URL", "http://registry:8081",
        "CELLSTREAM_KAFKA_SECURITY_PROTOCOL", "SSL",
        "CELLSTREAM_JAVA_OPTS", "-Xmx1g"), CellstreamConfig.keyNames());
    CellstreamConfig c = CellstreamConfig.from(s);
    assertThat(c.kafka().getProperty("bootstrap.servers")).isEqualTo("kafka-1:9092,kafka-2:9092");
    assertThat(c.applicationId()).isEqualTo("cellstream");
    assertThat(c.schemaRegistryUrl()).isEqualTo("http://registry:8081");
    assertThat(c.kafka().getProperty("security.protocol")).isEqualTo("SSL");
    assertThat(c.kafka()).doesNotContainKey("java.opts");
    assertThat(s.get("bootstrap.servers").source()).isEqualTo("environment CELLSTREAM_BOOTSTRAP_SERVERS");
  }

  @Test
  void theDocumentedVariableBeatsTheGenericKafkaOneForTheSameKey() {
    Settings s = defaults().withEnvironment(Map.of(
        "CELLSTREAM_KAFKA_BOOTSTRAP_SERVERS", "generic:9092",
        "CELLSTREAM_BOOTSTRAP_SERVERS", "documented:9092"), CellstreamConfig.keyNames());
    assertThat(s.value("bootstrap.servers")).isEqualTo("documented:9092");
  }

  @Test
  void secretsComeFromFilesNamedByFileVariables(@TempDir Path dir) throws IOException {
    Path token = dir.resolve("token");
    Files.writeString(token, "s3cr3t-token-from-a-file\n");
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"pw-in-file\";");
    Settings s = defaults().withEnvironment(Map.of(
        "CELLSTREAM_ADMIN_TOKEN_FILE", token.toString(),
        "CELLSTREAM_KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString()), CellstreamConfig.keyNames());
    CellstreamConfig c = CellstreamConfig.from(s);
    assertThat(c.adminToken()).isEqualTo("s3cr3t-token-from-a-file");
    assertThat(c.kafka().getProperty("sasl.jaas.config")).contains("pw-in-file");
    assertThat(s.get("cellstream.admin.token").source()).contains(token.toString()).contains("cellstream.admin.token.file");
    assertThat(s.describe()).doesNotContain("s3cr3t-token-from-a-file").doesNotContain("pw-in-file");
  }

  @Test
  void anUnreadableFileOfADocumentedKeyIsOneProblem(@TempDir Path dir) {
    Settings s = defaults().withEnvironment(Map.of("CELLSTREAM_ADMIN_TOKEN_FILE", dir.resolve("nope").toString()),
        CellstreamConfig.keyNames());
    assertThatThrownBy(() -> CellstreamConfig.from(s))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).singleElement().asString()
            .startsWith("cellstream.admin.token.file: cannot read").contains("environment CELLSTREAM_ADMIN_TOKEN_FILE"));
  }

  @Test
  void passwordsInUrlsAreNotPrinted() {
    Settings s = defaults().withCommandLine(Map.of("schema.registry.url", "https://svc:hunter2@registry.example:8081"));
    assertThat(s.describe()).contains("schema.registry.url = https://******@registry.example:8081").doesNotContain("hunter2");
    assertThat(Settings.redactUrl("cannot reach http://a:b@h:1/x and https://h2/y")).isEqualTo("cannot reach http://******@h:1/x and https://h2/y");
  }

  @Test
  void theUsersOwnRecordsAreConfiguredByFieldPathsAndFeatures() {
    CellstreamConfig c = CellstreamConfig.from(defaults().withCommandLine(Map.of(
        "cellstream.input.format", "json", "cellstream.input.entity", "card.id", "cellstream.input.time", "ts",
        "cellstream.features", "num(amount), cat(mcc, 8), hour(ts), prev_target()",
        "cellstream.labels.format", "avro", "cellstream.labels.entity", "card", "cellstream.labels.event-id", "payment",
        "cellstream.labels.target", "fraud",
        "cellstream.model.input-size", "16"))); // the documented default, as a copy of the file has it: not a clash
    assertThat(c.stream().spec().inputSize()).isEqualTo(1 + 8 + 2 + 2);
    var m = c.stream().mapping();
    assertThat(m.format()).isEqualTo(io.cellstream.input.InputFormat.JSON);
    assertThat(m.entity().toString()).isEqualTo("card.id");
    assertThat(m.eventId()).isNull();
    assertThat(m.labelsFormat()).isEqualTo(io.cellstream.input.InputFormat.AVRO);
    assertThat(c.stream().topics().eventsByEntity()).isEqualTo("cellstream-events-by-entity");
    assertThat(c.stream().topics().labelsByEntity()).isEqualTo("cellstream-labels-by-entity");
    assertThat(CellstreamConfig.from(defaults()).stream().mapping()).isEqualTo(io.cellstream.input.InputMapping.CELLSTREAM);
  }

  @Test
  void inputMappingProblemsAreReportedWithTheirKeys() {
    Settings s = defaults().withCommandLine(Map.of("cellstream.input.format", "avro",
        "cellstream.features", "num(amount), sqrt(x)", "cellstream.labels.format", "xml",
        "cellstream.model.input-size", "5", "cellstream.input.time", "a..b"));
    assertThatThrownBy(() -> CellstreamConfig.from(s)).isInstanceOf(ConfigException.class).satisfies(e -> {
      var problems = ((ConfigException) e).problems();
      assertThat(problems).anyMatch(p -> p.startsWith("cellstream.labels.format: must be cellstream, avro or json, got 'xml'"));
      assertThat(problems).anyMatch(p -> p.startsWith("cellstream.features: unknown transform 'sqrt'"));
      assertThat(problems).anyMatch(p -> p.startsWith("cellstream.input.entity: is required with cellstream.input.format=avro"));
      assertThat(problems).anyMatch(p -> p.startsWith("cellstream.input.time: field path 'a..b' has an empty name"));
    });
    Settings clash = defaults().withCommandLine(Map.of("cellstream.input.format", "json", "cellstream.input.entity", "u",
        "cellstream.features", "num(x)", "cellstream.model.input-size", "5"));
    assertThatThrownBy(() -> CellstreamConfig.from(clash)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cellstream.model.input-size: 5 disagrees with cellstream.features, which make 1 inputs");
    Settings stray = defaults().withCommandLine(Map.of("cellstream.features", "num(x)"));
    assertThatThrownBy(() -> CellstreamConfig.from(stray)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cellstream.features: applies to cellstream.input.format=avro or json");
  }

  /** The example of docs/operations.md ("Your own topics") is a configuration that works as printed. */
  @Test
  void theOperationsGuidesExampleOfYourOwnTopicsParses(@TempDir Path dir) throws IOException {
    String doc = Files.readString(Path.of("docs/operations.md"));
    int at = doc.indexOf("```properties", doc.indexOf("### Your own topics"));
    String block = doc.substring(doc.indexOf('\n', at) + 1, doc.indexOf("```", at + 3));
    Path file = dir.resolve("own.properties");
    Files.writeString(file, block);
    CellstreamConfig c = CellstreamConfig.from(defaults().withFile(file));
    assertThat(c.stream().mapping().format()).isEqualTo(io.cellstream.input.InputFormat.AVRO);
    assertThat(c.stream().mapping().entity().toString()).isEqualTo("card.id");
    // log 1 + cat 32 + bool 1 + hour 2 + weekday 2 + since 1 + prev_target K + 1 = 2
    assertThat(c.stream().spec().inputSize()).isEqualTo(41);
    assertThat(c.stream().mapping().labelsTarget().toString()).isEqualTo("chargeback");
  }
}
