package io.cellstream.config;

import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.lstm.AdamConfig;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.input.FeatureList;
import io.cellstream.input.FieldPath;
import io.cellstream.input.InputFormat;
import io.cellstream.input.InputLimits;
import io.cellstream.input.InputMapping;
import io.cellstream.stream.Delivery;
import io.cellstream.stream.StateStoreSettings;
import io.cellstream.stream.StreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The service's configuration: every key, its default and its meaning in one table ({@link #KEYS}), parsed
 * from {@link Settings} into typed values with one clear message per problem. {@code config/cellstream.properties}
 * is this table written out (a test keeps them equal).
 *
 * <p>Keys that do not start with {@code cellstream.} are Kafka Streams, consumer, producer and admin settings
 * and pass through unchanged, except {@code schema.registry.url} and {@code basic.auth.*}, which configure the
 * schema-registry client.
 */
public record CellstreamConfig(
    String applicationId,
    String schemaRegistryUrl,
    String schemaRegistryBasicAuth,
    Duration schemaRegistryTimeout,
    StreamSettings stream,
    Properties kafka,
    boolean createTopics,
    int topicPartitions,
    short topicReplicationFactor,
    String httpHost,
    int httpPort,
    String adminToken,
    Duration shutdownTimeout,
    StateStoreSettings stateStore,
    Settings source) {

  /** One documented key. */
  public record Key(String name, String defaultValue, String doc) {}

  private static final LearnerSettings D = LearnerSettings.DEFAULTS;

  /** The state stores' default memory budget (record cache + RocksDB), in MB. */
  public static final long DEFAULT_STATE_MEMORY_BUDGET_MB = 512;
  /** The default number of entities one instance is expected to hold. */
  public static final long DEFAULT_EXPECTED_ENTITIES = 100_000;

  public static final List<Key> KEYS = List.of(
      new Key("application.id", "cellstream", "Kafka Streams application id: instances with the same id share the work; a replay uses its own."),
      new Key("bootstrap.servers", "127.0.0.1:9092", "Kafka brokers."),
      new Key("schema.registry.url", "http://127.0.0.1:8081", "Confluent-compatible schema registry (Confluent, Apicurio's /apis/ccompat/v7, Karapace...)."),
      new Key("schema.registry.request.timeout.ms", String.valueOf(io.cellstream.serde.SchemaRegistryClient.DEFAULT_TIMEOUT.toMillis()), "How long one request to the registry may take (connect and answer); a call is tried 3 times. A stream thread that needs a schema it has not cached yet waits for the registry as long as it takes, retrying; this decides how soon each try gives up."),
      new Key("processing.guarantee", "exactly_once_v2", "Set by cellstream.delivery (exactly_once_v2 for exactly-once, at_least_once for low-latency); another value than the mode's is refused."),
      new Key("cellstream.delivery", Delivery.Mode.EXACTLY_ONCE.id(), "exactly-once: Kafka transactions; a prediction is visible when its transaction commits (commit.interval.ms, 100 ms), once. low-latency: at-least-once processing (processing.guarantee=at_least_once, commit.interval.ms=" + Delivery.LOW_LATENCY_COMMIT_INTERVAL_MS + ", producer.linger.ms=" + Delivery.LOW_LATENCY_LINGER_MS + " unless set): a prediction is visible within milliseconds; after a crash a consumer may see a prediction twice, byte for byte the same (dedupe by key and eventId); each memory still applies every event once (docs/operations.md#delivery-modes)."),
      new Key("cellstream.delivery.kept-predictions", String.valueOf(Delivery.DEFAULT_KEPT_PREDICTIONS), "Low-latency mode: each entity's memory keeps its last R predictions (32 + 4K bytes each), to emit one again unchanged when a crash makes Kafka deliver its event again. R must cover the events one entity can have processed within one commit interval (16: 16 events a second at the mode's 1 s); an older event delivered again is a dead letter redelivered-not-kept (never a second step)."),
      new Key("num.stream.threads", "1", "Stream threads per instance."),
      new Key("num.standby.replicas", "1", "Warm copies of each task's stores on other instances (none with a single instance): a failover resumes from a copy that is up to date instead of replaying the changelog."),
      new Key("session.timeout.ms", "10000", "How long the group waits for a member that stopped heartbeating (kill -9, a lost machine) before its partitions and the trainer move to another instance: 10 s instead of Kafka's 45 s (a clean stop leaves the group at once). Brokers accept 6000..300000 by default (group.min/max.session.timeout.ms)."),
      new Key("cellstream.topic.events", "events", "Input events (as cellstream.input.format says; key = entity id for the cellstream format)."),
      new Key("cellstream.topic.labels", "labels", "Delayed labels (as cellstream.labels.format says; key = entity id for the cellstream format)."),
      new Key("cellstream.topic.predictions", "predictions", "Output predictions (Avro Prediction)."),
      new Key("cellstream.topic.dead-letters", "dead-letters", "Records that could not be used, with the reason (Avro DeadLetter)."),
      new Key("cellstream.topic.models", "models", "Compacted topic of model versions (Avro ModelSnapshot, key = model name)."),
      new Key("cellstream.topic.training-examples", "", "Training examples for the single trainer task; empty = <application.id>-training-examples."),
      new Key("cellstream.topics.create", "true", "Create missing topics at start (events/labels with the partitions below, training topic with 1)."),
      new Key("cellstream.topics.partitions", "6", "Partitions of created events, labels, predictions and dead-letter topics."),
      new Key("cellstream.topics.replication-factor", "-1", "Replication factor of created topics; -1 = the broker's default."),
      new Key("cellstream.model.name", "default", "Model name: the key on the models topic."),
      new Key("cellstream.model.task", "binary", "binary (sigmoid), multiclass (softmax) or regression (identity)."),
      new Key("cellstream.model.input-size", "16", "D: features per event of the cellstream format. With avro or json it follows from cellstream.features and need not be set (set, it must agree)."),
      new Key("cellstream.model.hidden-size", String.valueOf(LearnerSettings.DEFAULT_HIDDEN_SIZE), "H: LSTM cells, the size of each entity's memory (h and c)."),
      new Key("cellstream.model.output-size", "1", "K: outputs (classes for multiclass)."),
      new Key("cellstream.model.seed", String.valueOf(D.seed()), "Seed of version 1's initialisation (uniform ±1/√H) and of the trainer's replay draws."),
      new Key("cellstream.model.forget-bias", String.valueOf(D.forgetBias()), "Initial forget-gate bias of version 1: 5.0 (f ≈ 0.993) starts the conveyor belt open, so a cue's trace and its gradient survive 50 steps (0.993^50 ≈ 0.7); with 1.0 (f ≈ 0.73) they fade to 1e-7 and long lags were not learned (docs/accuracy.md)."),
      new Key("cellstream.window.steps", String.valueOf(D.windowSteps()), "W: past steps a delayed label may refer to; 0 = inference only. Must cover the BPTT steps plus the label delay."),
      new Key("cellstream.window.checkpoint-every", String.valueOf(D.checkpointEvery()), "k: keep (h, c) every k steps; the window holds W..W+k-1 steps."),
      new Key("cellstream.state.keep-gates", "true", "Keep each entity's last gate activations (3H bytes) for /entities/{id}."),
      new Key("cellstream.state.max-bytes", "0", "An entity's stored memory is kept at most this large; 0 = as large as its changelog accepts (the producer's max.request.size and the changelog topic's max.message.bytes, read at start). A memory that outgrows it loses its oldest window steps, then its oldest held labels (counted in cellstream_state_trimmed_total), never h and c."),
      new Key("cellstream.state.memory-budget-mb", String.valueOf(DEFAULT_STATE_MEMORY_BUDGET_MB), "Memory for this instance's state stores, in MB: Kafka Streams' record cache (heap) plus one RocksDB block cache shared by every store (off-heap, with the memtables charged to it). The record cache gets every expected entity's memory if they fit in half the budget, else Kafka Streams' 10 MB (part of them costs more than it saves); RocksDB gets the rest (docs/operations.md#state-store-memory). Give the JVM's heap room for the record cache. 0 = Kafka Streams' own defaults (10 MB record cache, 50 MB block cache and up to 48 MB of memtables per store and partition). statestore.cache.max.bytes or rocksdb.config.setter, if set, win."),
      new Key("cellstream.state.expected-entities", String.valueOf(DEFAULT_EXPECTED_ENTITIES), "Entities whose memories this instance holds (all entities divided by the instances sharing the work): decides whether every memory fits the record cache within the budget above."),
      new Key("cellstream.labels.hold.max-per-entity", String.valueOf(LabelJoin.Holding.DEFAULTS.maxPerEntity()), "Labels that arrive before their event (labels and events travel on different topics) are held in the entity's memory, at most this many per entity (a newer one gives up the oldest), and learned from when the event comes; 0 = none held: such a label is dead-lettered as label-unmatched."),
      new Key("cellstream.labels.hold.seconds", String.valueOf(LabelJoin.Holding.DEFAULTS.maxAgeMillis() / 1000), "How long a label waits for its event, in stream time (record timestamps, so that a stalled or restarted service gives up nothing whose event is still on its way); then it is dead-lettered as label-unmatched."),
      new Key("cellstream.training.enabled", "true", "Learn from labels online; false = inference only."),
      new Key("cellstream.training.bptt-steps", String.valueOf(D.bpttSteps()), "T: truncated-BPTT window length ending at the labelled step; must cover the longest dependency to be learned."),
      new Key("cellstream.training.learning-rate", String.valueOf(D.adam().learningRate()), "Adam learning rate."),
      new Key("cellstream.training.beta1", String.valueOf(D.adam().beta1()), "Adam beta1."),
      new Key("cellstream.training.beta2", String.valueOf(D.adam().beta2()), "Adam beta2."),
      new Key("cellstream.training.eps", String.valueOf(D.adam().eps()), "Adam epsilon."),
      new Key("cellstream.training.amsgrad", String.valueOf(D.adam().amsgrad()), "Adam with amsgrad: divide by the largest second moment so far. Keeps a model that has learned from being undone by one rare error (online, plain Adam's denominator shrinks once the loss is near zero)."),
      new Key("cellstream.training.batch-size", String.valueOf(D.batchSize()), "New examples per Adam update."),
      new Key("cellstream.training.clip-norm", String.valueOf(D.clipNorm()), "Clip each update's gradient to this global norm; 0 = off."),
      new Key("cellstream.training.replay.capacity", String.valueOf(D.replayCapacity()), "Experience replay: the trainer keeps this many of the most recent examples in its store (0 = no replay)."),
      new Key("cellstream.training.replay.updates-per-example", String.valueOf(D.replayUpdates()), "Experience replay: extra updates per new example, each on a minibatch drawn uniformly from the replay buffer (0 = none)."),
      new Key("cellstream.training.replay.batch-size", String.valueOf(D.replayBatchSize()), "Experience replay: examples drawn per replay update. Each label is learned from about updates-per-example x batch-size more times; averaging several per step kept online learning from memorising the buffer (docs/accuracy.md)."),
      new Key("cellstream.training.dedup-examples", String.valueOf(Delivery.DEFAULT_TRAINER_DEDUP_EXAMPLES), "The trainer remembers the last N examples it learned from (entity, step, event; in its own store) and drops one that comes again: after a crash in low-latency mode the step sends some again. N must cover the examples written to the training topic between an example and its re-send after a failover; 0 = none dropped."),
      new Key("cellstream.training.publish.every-examples", String.valueOf(D.publishEveryExamples()), "Publish a new model version after this many new examples ..."),
      new Key("cellstream.training.publish.every-seconds", String.valueOf(D.publishInterval().toSeconds()), "... or this many seconds after the last version, if it learned anything."),
      new Key("cellstream.training.guard.loss-factor", "0", "Refuse an update whose minibatch loss exceeds this multiple of the running mean; 0 = off. Off by default: with small minibatches a confident mistake is exactly such a loss and exactly what the model must learn from (at 20 the live demo peaked at 0.69 accuracy and ended at 0.52); amsgrad is the defence against blow-ups. Consider it with large minibatches."),
      new Key("cellstream.input.format", "cellstream", "The events' format: cellstream (Avro Event with ready-made features), avro (any Avro record through the registry, read with its writer's schema) or json (UTF-8 JSON objects). With avro or json the key may be anything: events whose key is not their entity id go through the repartition topic <application.id>-events-by-entity, keyed by it."),
      new Key("cellstream.input.entity", "", "avro/json: the field holding the entity id (a text or an integer); dots for nested fields (card.id). Required with avro or json."),
      new Key("cellstream.input.time", "", "avro/json: the field holding the event time: an Avro timestamp or date, epoch seconds or milliseconds (a number below 1e11 is seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds), or ISO-8601 (UTC when it names no offset). Empty = the record's timestamp."),
      new Key("cellstream.input.event-id", "", "avro/json: the field holding the event id that labels name (optional; without it an event is named by its header cellstream.event-id, else topic-partition-offset)."),
      new Key("cellstream.input.target", "", "avro/json: the field holding an inline label (optional; null on an event = no label): 0/1 or a boolean (binary), a class index (multiclass), a value (regression)."),
      new Key("cellstream.features", "", "avro/json: the model's inputs, comma-separated transforms of fields in order: num(f) standardised, log(f) sign(v)*ln(1+|v|) standardised, bool(f), cat(f, N) hashed one-hot, hour(f[, zone]) and weekday(f[, zone]) sin and cos (UTC unless a zone is given), since(f) ln(1 + seconds since the entity's previous event, 0 for its first), prev_target() (the entity's most recent target learned from, and a flag for none yet: K+1 inputs). default=v (num(f, default=0)) is used when the field is missing, null or malformed; without one such an event is a dead letter naming the field. D is the sum of their widths; the standardisation statistics are learned by the trainer and travel with each model version."),
      new Key("cellstream.labels.format", "cellstream", "The labels' format: cellstream (Avro Label), avro or json (then labels whose key is not their entity go through <application.id>-labels-by-entity)."),
      new Key("cellstream.labels.entity", "", "avro/json labels: the field holding the entity id. Required with avro or json."),
      new Key("cellstream.labels.event-id", "", "avro/json labels: the field naming the labelled event (its event id). Required with avro or json."),
      new Key("cellstream.labels.target", "", "avro/json labels: the field holding the target (as cellstream.input.target). Required with avro or json."),
      new Key("cellstream.input.max-record-bytes", String.valueOf(InputLimits.DEFAULTS.maxRecordBytes()), "Larger input records go to the dead-letter topic as oversized (with their bytes: a dead letter holds them whole below the dead-letter topic's limit). Half of Kafka's default 1 MiB record limit, so that the check is reached before the broker's."),
      new Key("cellstream.input.max-entity-id-bytes", String.valueOf(InputLimits.DEFAULTS.maxEntityIdBytes()), "Longer entity ids (UTF-8; the record key) go to the dead-letter topic as entity-id-too-long. At most " + InputLimits.MAX_ID_BYTES + "."),
      new Key("cellstream.input.max-event-id-bytes", String.valueOf(InputLimits.DEFAULTS.maxEventIdBytes()), "Events and labels with longer event ids (UTF-8) go to the dead-letter topic as event-id-too-long: every id is kept in the entity's memory window, and W of them must fit its changelog. At most " + InputLimits.MAX_ID_BYTES + "."),
      new Key("cellstream.http.host", "127.0.0.1", "HTTP interface for health, metrics, entities and model admin."),
      new Key("cellstream.http.port", "8080", "HTTP port; 0 = pick a free one."),
      new Key("cellstream.admin.token", "", "Bearer token for POST /model/rollback; empty = admin endpoints refused. Prefer CELLSTREAM_ADMIN_TOKEN or CELLSTREAM_ADMIN_TOKEN_FILE."),
      new Key("cellstream.shutdown.timeout-seconds", "30", "How long a clean shutdown (SIGTERM) may take before the exit code says it timed out."));

  public static Map<String, String> defaults() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Key k : KEYS) {
      if (!k.defaultValue().isEmpty()) {
        m.put(k.name(), k.defaultValue());
      }
    }
    return m;
  }

  /** The documented properties file: every key with its default, commented. */
  public static String renderPropertiesFile() {
    StringBuilder sb = new StringBuilder();
    sb.append("# cellstream configuration: every setting with its default.\n")
        .append("# Precedence, lowest first: these defaults, this file (--config), the environment, the command line (--set key=value).\n")
        .append("# Environment names: CELLSTREAM_ and the key in capitals with '.' and '-' as '_' for every key below\n")
        .append("#   (cellstream.model.hidden-size -> CELLSTREAM_MODEL_HIDDEN_SIZE, bootstrap.servers -> CELLSTREAM_BOOTSTRAP_SERVERS);\n")
        .append("#   any other Kafka setting a.b.c -> CELLSTREAM_KAFKA_A_B_C (e.g. CELLSTREAM_KAFKA_SECURITY_PROTOCOL).\n")
        .append("# Secrets: set them in the environment, or name a file holding the value: <key>.file=/path, or _FILE on the\n")
        .append("#   variable (CELLSTREAM_ADMIN_TOKEN_FILE=/run/secrets/token, CELLSTREAM_KAFKA_SASL_JAAS_CONFIG_FILE=/run/secrets/jaas).\n")
        .append("#   Values of keys that look secret (password, secret, jaas, token, user.info) are never logged.\n")
        .append("# Any key not starting with cellstream. is passed to Kafka Streams and its clients (consumer., producer., admin.\n")
        .append("#   prefixes work as in Kafka Streams), except schema.registry.url and basic.auth.user.info (schema registry).\n");
    for (Key k : KEYS) {
      sb.append("\n# ").append(k.doc()).append('\n');
      sb.append(k.name()).append('=').append(k.defaultValue()).append('\n');
    }
    return sb.toString();
  }

  public static List<String> keyNames() {
    return KEYS.stream().map(Key::name).toList();
  }

  /** Parses and validates; throws {@link ConfigException} listing every problem at once. */
  public static CellstreamConfig from(Settings s) {
    List<String> problems = new ArrayList<>();
    s.resolveFiles(problems);
    Parser p = new Parser(s, problems);

    String appId = p.string("application.id");
    if (appId != null && !appId.matches("[A-Za-z0-9._-]+")) {
      problems.add("application.id: only letters, digits, '.', '_' and '-' are allowed, got '" + appId + "' (" + p.source("application.id") + ")");
    }
    String bootstrap = p.string("bootstrap.servers");
    String registry = p.string("schema.registry.url");
    if (registry != null && !(registry.startsWith("http://") || registry.startsWith("https://"))) {
      problems.add("schema.registry.url: must start with http:// or https://, got '" + registry + "' (" + p.source("schema.registry.url") + ")");
    }
    int registryTimeoutMs = p.integer("schema.registry.request.timeout.ms", 100, 600_000);
    Delivery.Mode deliveryMode = Delivery.Mode.EXACTLY_ONCE;
    try {
      deliveryMode = Delivery.Mode.parse(s.value("cellstream.delivery"));
    } catch (IllegalArgumentException e) {
      problems.add("cellstream.delivery: " + e.getMessage() + " (" + p.source("cellstream.delivery") + ")");
    }
    int keptPredictions = p.integer("cellstream.delivery.kept-predictions", 1, 100_000);
    int dedupExamples = p.integer("cellstream.training.dedup-examples", 0, 100_000_000);
    // The Kafka settings the mode implies, where none was given: they show in --print-config with where they came from.
    for (var e : new Delivery(deliveryMode, 1, 0).streamsDefaults().entrySet()) {
      String unprefixed = e.getKey().startsWith("producer.") ? e.getKey().substring("producer.".length()) : e.getKey();
      Settings.Value v = s.get(e.getKey());
      boolean given = (v != null && !v.source().equals("default")) || s.has(unprefixed) && !unprefixed.equals(e.getKey());
      if (!given && (v == null || !v.value().equals(e.getValue()))) {
        s.set(e.getKey(), e.getValue(), "cellstream.delivery=" + deliveryMode.id());
      }
    }
    String guarantee = p.string("processing.guarantee");
    if (guarantee != null && !guarantee.equals(deliveryMode.processingGuarantee())) {
      problems.add("processing.guarantee: '" + guarantee + "' (" + p.source("processing.guarantee") + ") does not go with"
          + " cellstream.delivery=" + deliveryMode.id() + ", which runs " + deliveryMode.processingGuarantee()
          + ": set cellstream.delivery=" + (guarantee.equals("at_least_once") ? "low-latency" : "exactly-once")
          + " instead (an at-least-once run without it would step an event delivered twice twice)");
    }
    p.integer("num.stream.threads", 1, 64);
    p.integer("num.standby.replicas", 0, 16);

    Task task = null;
    try {
      task = Task.parse(p.string("cellstream.model.task"));
    } catch (IllegalArgumentException e) {
      problems.add("cellstream.model.task: " + e.getMessage() + " (" + p.source("cellstream.model.task") + ")");
    }
    int d = p.integer("cellstream.model.input-size", 1, ModelSpec.MAX_SIZE);
    int h = p.integer("cellstream.model.hidden-size", 1, ModelSpec.MAX_SIZE);
    int k = p.integer("cellstream.model.output-size", 1, ModelSpec.MAX_SIZE);
    InputMapping mapping = mapping(s, p, problems, k);
    if (mapping != null && mapping.features() != null) {
      int width = mapping.features().width();
      Settings.Value given = s.get("cellstream.model.input-size");
      // The documented file lists the default (16): a copy of it must not clash with the features.
      boolean isDefault = given == null || "default".equals(given.source())
          || given.value().trim().equals(defaults().get("cellstream.model.input-size"));
      if (!isDefault && p.ok("cellstream.model.input-size") && d != width) {
        problems.add("cellstream.model.input-size: " + d + " disagrees with cellstream.features, which make " + width
            + " inputs (" + given.source() + "); leave it unset with avro or json");
      }
      d = width;
    }
    if (task == Task.MULTICLASS && k == 1) {
      problems.add("cellstream.model.output-size: multiclass needs one output per class (>= 2), got 1 (" + p.source("cellstream.model.output-size") + ")");
    }
    long seed = p.longValue("cellstream.model.seed");
    float forgetBias = p.floating("cellstream.model.forget-bias", -100, 100);
    int window = p.integer("cellstream.window.steps", 0, 100_000);
    int every = p.integer("cellstream.window.checkpoint-every", 1, 100_000);
    boolean keepGates = p.bool("cellstream.state.keep-gates");
    boolean training = p.bool("cellstream.training.enabled");
    int bptt = p.integer("cellstream.training.bptt-steps", 1, 100_000);
    if (training && window > 0 && bptt > window) {
      problems.add("cellstream.training.bptt-steps: " + bptt + " is longer than the window (cellstream.window.steps = " + window
          + "); a label could never get a full window. Raise the window or lower the BPTT steps.");
    }
    if (training && window == 0) {
      problems.add("cellstream.window.steps: 0 keeps no window, so labels cannot be learned from; set it >= cellstream.training.bptt-steps or set cellstream.training.enabled=false");
    }
    float lr = p.floating("cellstream.training.learning-rate", 1e-9, 10);
    float beta1 = p.floating("cellstream.training.beta1", 0, 0.999999);
    float beta2 = p.floating("cellstream.training.beta2", 0, 0.99999999);
    float eps = p.floating("cellstream.training.eps", 1e-30, 1);
    int batch = p.integer("cellstream.training.batch-size", 1, 1_000_000);
    int replayCapacity = p.integer("cellstream.training.replay.capacity", 0, 1_000_000);
    int replayUpdates = p.integer("cellstream.training.replay.updates-per-example", 0, 1_000);
    int replayBatch = p.integer("cellstream.training.replay.batch-size", 1, 10_000);
    if (replayUpdates > 0 && replayCapacity == 0 && p.ok("cellstream.training.replay.capacity")) {
      problems.add("cellstream.training.replay.updates-per-example: " + replayUpdates
          + " replay updates need a replay buffer: set cellstream.training.replay.capacity >= 1 or the updates to 0");
    }
    boolean amsgrad = p.bool("cellstream.training.amsgrad");
    float clip = p.floating("cellstream.training.clip-norm", 0, 1e9);
    long publishExamples = p.longValue("cellstream.training.publish.every-examples");
    if (publishExamples < 1 && p.ok("cellstream.training.publish.every-examples")) {
      problems.add("cellstream.training.publish.every-examples: must be >= 1, got " + publishExamples);
    }
    int publishSeconds = p.integer("cellstream.training.publish.every-seconds", 1, 86_400);
    float guard = p.floating("cellstream.training.guard.loss-factor", 0, 1e9);
    if (guard != 0 && guard <= 1 && p.ok("cellstream.training.guard.loss-factor")) {
      problems.add("cellstream.training.guard.loss-factor: must be 0 (off) or > 1, got " + guard);
    }
    int maxBytes = p.integer("cellstream.input.max-record-bytes", 64, Integer.MAX_VALUE);
    int maxEntityId = p.integer("cellstream.input.max-entity-id-bytes", 1, InputLimits.MAX_ID_BYTES);
    int maxEventId = p.integer("cellstream.input.max-event-id-bytes", 1, InputLimits.MAX_ID_BYTES);
    // The largest valid event must pass the record size check: ids, D features and K target values, framing.
    long largestEvent = 5 + 16 + maxEntityId + maxEventId + 4L * d + 4L * k + 32;
    if (p.ok("cellstream.input.max-record-bytes") && maxBytes < largestEvent) {
      problems.add("cellstream.input.max-record-bytes: " + maxBytes + " is smaller than a valid event can be ("
          + largestEvent + " bytes with ids at their limits, D=" + d + ", K=" + k + "); raise it or lower the id limits");
    }
    int maxStateBytes = p.integer("cellstream.state.max-bytes", 0, Integer.MAX_VALUE);
    long budgetMb = p.longValue("cellstream.state.memory-budget-mb");
    if ((budgetMb < 0 || (budgetMb > 0 && budgetMb < 16) || budgetMb > (1L << 30)) && p.ok("cellstream.state.memory-budget-mb")) {
      problems.add("cellstream.state.memory-budget-mb: must be 0 (Kafka Streams' defaults) or 16.." + (1L << 30) + ", got " + budgetMb);
    }
    long expectedEntities = p.longValue("cellstream.state.expected-entities");
    if (expectedEntities < 1 && p.ok("cellstream.state.expected-entities")) {
      problems.add("cellstream.state.expected-entities: must be >= 1, got " + expectedEntities);
    }
    int holdPerEntity = p.integer("cellstream.labels.hold.max-per-entity", 0, 10_000);
    int holdSeconds = p.integer("cellstream.labels.hold.seconds", 0, 7 * 86_400);
    boolean create = p.bool("cellstream.topics.create");
    int partitions = p.integer("cellstream.topics.partitions", 1, 10_000);
    int replication = p.integer("cellstream.topics.replication-factor", -1, 100);
    if (replication == 0 && p.ok("cellstream.topics.replication-factor")) {
      problems.add("cellstream.topics.replication-factor: must be -1 (broker default) or >= 1, got 0");
    }
    String httpHost = p.string("cellstream.http.host");
    int httpPort = p.integer("cellstream.http.port", 0, 65_535);
    int shutdownSeconds = p.integer("cellstream.shutdown.timeout-seconds", 1, 3600);
    String token = s.value("cellstream.admin.token");
    if (token != null && !token.isEmpty() && token.length() < 16) {
      problems.add("cellstream.admin.token: use at least 16 characters (" + s.get("cellstream.admin.token").source() + ")");
    }
    String modelName = p.string("cellstream.model.name");

    // Unknown cellstream.* keys are almost always typos: say so rather than ignore them.
    for (String key : s.all().keySet()) {
      String base = key.endsWith(".file") ? key.substring(0, key.length() - ".file".length()) : key;
      if (key.startsWith("cellstream.") && !keyNames().contains(key) && !keyNames().contains(base)) {
        problems.add(key + ": unknown setting (" + s.get(key).source() + "); see config/cellstream.properties for the list");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }

    String trainingTopic = s.value("cellstream.topic.training-examples");
    StreamSettings.Topics defaults = StreamSettings.Topics.defaults(appId);
    StreamSettings.Topics topics = new StreamSettings.Topics(
        s.value("cellstream.topic.events"), s.value("cellstream.topic.labels"),
        s.value("cellstream.topic.predictions"), s.value("cellstream.topic.dead-letters"),
        s.value("cellstream.topic.models"),
        trainingTopic == null || trainingTopic.isBlank() ? defaults.trainingExamples() : trainingTopic,
        defaults.eventsByEntity(), defaults.labelsByEntity());
    StreamSettings stream;
    try {
      LearnerSettings learner = new LearnerSettings(window, every, bptt, new AdamConfig(lr, beta1, beta2, eps, amsgrad),
          batch, clip, guard, replayCapacity, replayUpdates, replayBatch, publishExamples, Duration.ofSeconds(publishSeconds),
          forgetBias, seed);
      stream = new StreamSettings(topics, modelName, new ModelSpec(d, h, k, task), learner, training,
          new InputLimits(maxBytes, maxEntityId, maxEventId), new LabelJoin.Holding(holdPerEntity, holdSeconds * 1000L),
          maxStateBytes, keepGates, mapping, new Delivery(deliveryMode, keptPredictions, dedupExamples));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of(e.getMessage()));
    }

    Properties kafka = new Properties();
    for (var e : s.all().entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("cellstream.") && !key.startsWith("schema.registry.") && !key.startsWith("basic.auth.")) {
        kafka.setProperty(key, e.getValue().value());
      }
    }
    // The state stores' sizing from the budget: Kafka Streams settings, unless the same ones were given explicitly.
    StateStoreSettings stateStore = StateStoreSettings.derive(budgetMb << 20, expectedEntities,
        StateStoreSettings.estimatedValueBytes(stream.spec(), window, every, keepGates, stream.delivery().emissionsKept()),
        stream.delivery().mode() == Delivery.Mode.EXACTLY_ONCE);
    stateStore.streamsProperties().forEach(kafka::putIfAbsent);
    return new CellstreamConfig(appId, registry, s.value("basic.auth.user.info"), Duration.ofMillis(registryTimeoutMs),
        stream, kafka, create, partitions,
        (short) replication, httpHost, httpPort, token == null || token.isEmpty() ? null : token,
        Duration.ofSeconds(shutdownSeconds), stateStore, s);
  }

  /**
   * The input mapping of {@code cellstream.input.*}, {@code cellstream.features} and {@code cellstream.labels.*}, or
   * null with the problems recorded.
   */
  private static InputMapping mapping(Settings s, Parser p, List<String> problems, int k) {
    InputFormat format = format(s, p, problems, "cellstream.input.format");
    InputFormat labelsFormat = format(s, p, problems, "cellstream.labels.format");
    FieldPath entity = path(s, problems, "cellstream.input.entity");
    FieldPath time = path(s, problems, "cellstream.input.time");
    FieldPath eventId = path(s, problems, "cellstream.input.event-id");
    FieldPath target = path(s, problems, "cellstream.input.target");
    FieldPath labelsEntity = path(s, problems, "cellstream.labels.entity");
    FieldPath labelsEventId = path(s, problems, "cellstream.labels.event-id");
    FieldPath labelsTarget = path(s, problems, "cellstream.labels.target");
    String featuresText = s.value("cellstream.features");
    FeatureList features = null;
    int before = problems.size();
    if (format != null && format.isUserRecord()) {
      if (featuresText == null || featuresText.isBlank()) {
        problems.add("cellstream.features: is required with cellstream.input.format=" + format.id()
            + " (the transforms that make the model's inputs, e.g. num(amount), cat(merchant, 16), hour(ts))");
      } else {
        try {
          features = FeatureList.parse(featuresText, k);
        } catch (IllegalArgumentException e) {
          problems.add("cellstream.features: " + e.getMessage() + " (" + p.source("cellstream.features") + ")");
        }
      }
      if (entity == null && p.ok("cellstream.input.entity")) {
        problems.add("cellstream.input.entity: is required with cellstream.input.format=" + format.id()
            + " (the field holding the entity id, e.g. card.id)");
      }
    } else if (format != null) {
      for (String key : List.of("cellstream.features", "cellstream.input.entity", "cellstream.input.time",
          "cellstream.input.event-id", "cellstream.input.target")) {
        String v = s.value(key);
        if (v != null && !v.isBlank()) {
          problems.add(key + ": applies to cellstream.input.format=avro or json; the cellstream format's Event has its"
              + " fields (" + p.source(key) + ")");
        }
      }
    }
    if (labelsFormat != null && labelsFormat.isUserRecord()) {
      for (var e : List.of(Map.entry("cellstream.labels.entity", labelsEntity == null),
          Map.entry("cellstream.labels.event-id", labelsEventId == null),
          Map.entry("cellstream.labels.target", labelsTarget == null))) {
        if (e.getValue() && p.ok(e.getKey())) {
          problems.add(e.getKey() + ": is required with cellstream.labels.format=" + labelsFormat.id());
        }
      }
    } else if (labelsFormat != null) {
      for (String key : List.of("cellstream.labels.entity", "cellstream.labels.event-id", "cellstream.labels.target")) {
        String v = s.value(key);
        if (v != null && !v.isBlank()) {
          problems.add(key + ": applies to cellstream.labels.format=avro or json (" + p.source(key) + ")");
        }
      }
    }
    if (problems.size() > before || format == null || labelsFormat == null) {
      return null;
    }
    try {
      return new InputMapping(format, entity, time, eventId, target, features, labelsFormat, labelsEntity, labelsEventId,
          labelsTarget);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  private static InputFormat format(Settings s, Parser p, List<String> problems, String key) {
    try {
      return InputFormat.parse(s.value(key));
    } catch (IllegalArgumentException e) {
      problems.add(key + ": " + e.getMessage() + " (" + p.source(key) + ")");
      return null;
    }
  }

  /** A field path, null when the key is empty; a bad one is a problem. */
  private static FieldPath path(Settings s, List<String> problems, String key) {
    String v = s.value(key);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return FieldPath.parse(v);
    } catch (IllegalArgumentException e) {
      problems.add(key + ": " + e.getMessage() + " (from " + s.get(key).source() + ")");
      return null;
    }
  }

  /** Reads typed values, recording one problem per bad key. */
  private static final class Parser {
    private final Settings s;
    private final List<String> problems;
    private final java.util.Set<String> bad = new java.util.HashSet<>();

    Parser(Settings s, List<String> problems) {
      this.s = s;
      this.problems = problems;
    }

    String source(String key) {
      Settings.Value v = s.get(key);
      return v == null ? "not set" : "from " + v.source();
    }

    boolean ok(String key) {
      return !bad.contains(key);
    }

    private void problem(String key, String what) {
      bad.add(key);
      Settings.Value v = s.get(key);
      String shown = v == null ? "nothing" : "'" + (Settings.isSecret(key) ? "******" : v.value()) + "'";
      problems.add(key + ": " + what + ", got " + shown + " (" + source(key) + ")");
    }

    String string(String key) {
      String v = s.value(key);
      if (v == null || v.isBlank()) {
        problem(key, "is required");
        return null;
      }
      return v;
    }

    int integer(String key, int min, int max) {
      String v = s.value(key);
      try {
        int i = Integer.parseInt(v == null ? "" : v.trim());
        if (i < min || i > max) {
          problem(key, "must be an integer in " + min + ".." + max);
          return min;
        }
        return i;
      } catch (NumberFormatException e) {
        problem(key, "must be an integer in " + min + ".." + max);
        return min;
      }
    }

    long longValue(String key) {
      String v = s.value(key);
      try {
        return Long.parseLong(v == null ? "" : v.trim());
      } catch (NumberFormatException e) {
        problem(key, "must be an integer");
        return 1;
      }
    }

    float floating(String key, double min, double max) {
      String v = s.value(key);
      try {
        double x = Double.parseDouble(v == null ? "" : v.trim());
        if (!(x >= min && x <= max)) {
          problem(key, "must be a number in [" + min + ", " + max + "]");
          return (float) Math.max(min, 1e-3);
        }
        return (float) x;
      } catch (NumberFormatException e) {
        problem(key, "must be a number in [" + min + ", " + max + "]");
        return (float) Math.max(min, 1e-3);
      }
    }

    boolean bool(String key) {
      String v = s.value(key);
      if ("true".equalsIgnoreCase(v)) {
        return true;
      }
      if ("false".equalsIgnoreCase(v)) {
        return false;
      }
      problem(key, "must be true or false");
      return false;
    }
  }
}
