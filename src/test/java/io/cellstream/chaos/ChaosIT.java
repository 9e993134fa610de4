package io.cellstream.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.embedded.EmbeddedSchemaRegistry;
import io.cellstream.serde.SchemaRegistryClient;
import io.cellstream.testing.BrokerProcess;
import io.cellstream.testing.CellstreamProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos suite: the service run as operators run it ({@code bin/cellstream run} in child JVMs) against a broker
 * in a process of its own and an Apicurio registry child, under load, while something goes wrong — an instance
 * killed or stopped, the broker restarted, the registry frozen (SIGSTOP), labels racing their events, poison of
 * every kind. Each test counts what went in and what came out (read_committed): every event must end as exactly
 * one prediction or one dead letter, every label as exactly one training example or one dead letter, with no
 * stream thread lost. Each writes its row to {@code target/chaos-report.md} (the table in docs/operations.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {

  private static final Duration READY = Duration.ofSeconds(120);
  private static final Duration ACCOUNTED = Duration.ofSeconds(180);

  private final Path dir = Path.of("target", "chaos").toAbsolutePath();
  private final List<String> rows = new ArrayList<>();
  private BrokerProcess broker;
  private EmbeddedSchemaRegistry registry;
  private SchemaRegistryClient client;

  @BeforeAll
  void startTheStack() throws IOException {
    Files.createDirectories(dir);
    broker = BrokerProcess.start(dir.resolve("broker-data-" + System.nanoTime()), dir.resolve("broker.log"));
    registry = EmbeddedSchemaRegistry.builder().logFile(dir.resolve("registry.log")).start();
    client = new SchemaRegistryClient(registry.url());
  }

  @AfterAll
  void stopTheStack() throws IOException {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      resume(registry); // never leave it frozen
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
    List<String> table = new ArrayList<>();
    table.add("| scenario | events in | predictions | dead letters (events) | duplicates | missing | labels in | learned "
        + "| dead letters (labels) | measured |");
    table.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    table.addAll(rows);
    Files.write(dir.resolve("chaos-report.md"), table);
    System.out.println(String.join("\n", table));
  }

  private ChaosHarness harness(String name) throws InterruptedException {
    return new ChaosHarness(name, broker.bootstrapServers(), client, registry.url(), dir);
  }

  private void row(String scenario, ChaosHarness.Tally t, String measured) {
    String r = "| " + scenario + " | " + t.eventsIn() + " | " + t.predictedEvents() + " | " + t.eventDeadLetters() + " | "
        + t.duplicates() + " | " + (t.missingEvents() + t.missingLabels()) + " | " + t.labelsIn() + " | "
        + t.labelsLearned() + " | " + t.labelDeadLetters() + " | " + measured + " |";
    rows.add(r);
    System.out.println("chaos: " + r + " reasons " + t.reasons());
  }

  private static void assertExactlyOnce(ChaosHarness.Tally t) {
    assertThat(t.duplicates()).as("duplicates").isZero();
    assertThat(t.missingEvents()).as("events with neither a prediction nor a dead letter").isZero();
    assertThat(t.missingLabels()).as("labels neither learned from nor dead-lettered").isZero();
    assertThat(t.predictedEvents() + t.eventDeadLetters()).isEqualTo(t.eventsIn());
    assertThat(t.labelsLearned() + t.labelDeadLetters()).isEqualTo(t.labelsIn());
  }

  // ------------------------------------------------------------------ instances stopped under load

  @Test
  @Order(1)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void killNineOfOneOfTwoInstancesUnderLoad() throws Exception {
    try (ChaosHarness h = harness("kill")) {
      CellstreamProcess a = h.start("a", Map.of());
      h.awaitReady(a, READY);
      CellstreamProcess b = h.start("b", Map.of());
      h.awaitReady(b, READY);
      try (Load load = new Load(h, 24, 2_400, 120, 3, 200, 1)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> h.tally().predictedEvents() >= 500);
        long killedAt = System.currentTimeMillis();
        a.kill(); // SIGKILL: no close, an open transaction, partitions and maybe the trainer still assigned to it
        assertThat(a.waitFor(Duration.ofSeconds(30))).isTrue();
        load.awaitDone(Duration.ofSeconds(120));
        ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
        long idle = ChaosHarness.longestPauseAcross(t, killedAt);
        long trainer = ChaosHarness.trainerPauseAcross(t, killedAt);
        row("kill -9 one of two instances under load", t, "longest partition pause " + seconds(idle)
            + ", trainer " + seconds(trainer));
        assertExactlyOnce(t);
        assertThat(t.deadLetters()).as("nothing wrong with the input").isEmpty();
        assertThat(idle).as("the killed instance's partitions idle for well under 30 s").isLessThan(25_000);
        ChaosHarness.assertNoThreadDied(b);
        assertThat(h.terminate(b)).as(b.describe()).isZero();
      }
    }
  }

  @Test
  @Order(2)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void sigtermOfOneOfTwoInstancesUnderLoad() throws Exception {
    try (ChaosHarness h = harness("sigterm")) {
      CellstreamProcess a = h.start("a", Map.of());
      h.awaitReady(a, READY);
      CellstreamProcess b = h.start("b", Map.of());
      h.awaitReady(b, READY);
      try (Load load = new Load(h, 24, 2_400, 120, 3, 200, 2)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> h.tally().predictedEvents() >= 500);
        long stoppedAt = System.currentTimeMillis();
        assertThat(h.terminate(a)).as(a.describe()).isZero();
        load.awaitDone(Duration.ofSeconds(120));
        ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
        long idle = ChaosHarness.longestPauseAcross(t, stoppedAt);
        row("SIGTERM one of two instances under load", t, "longest partition pause " + seconds(idle)
            + ", trainer " + seconds(ChaosHarness.trainerPauseAcross(t, stoppedAt)));
        assertExactlyOnce(t);
        assertThat(t.deadLetters()).isEmpty();
        assertThat(idle).as("a clean stop leaves the group at once").isLessThan(15_000);
        ChaosHarness.assertNoThreadDied(a);
        ChaosHarness.assertNoThreadDied(b);
        assertThat(h.terminate(b)).as(b.describe()).isZero();
      }
    }
  }

  // ------------------------------------------------------------------ dependencies gone

  @Test
  @Order(3)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void brokerRestartUnderLoad() throws Exception {
    try (ChaosHarness h = harness("broker")) {
      // While the broker comes back the producer resends its backlog topic by topic, so a partition's labels can be
      // read far ahead of (or behind) their events: some are held, some too late; a short hold ends the ones held for
      // events that left the window before the test's patience does.
      CellstreamProcess a = h.start("a", Map.of("cellstream.labels.hold.seconds", "15"));
      h.awaitReady(a, READY);
      try (Load load = new Load(h, 16, 1_800, 90, 3, 200, 3)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> h.tally().predictedEvents() >= 300);
        long stoppedAt = System.currentTimeMillis();
        broker.stop();
        // Readiness tells the truth while Kafka is gone (the instance itself stays up).
        ChaosHarness.Answer down = await().atMost(Duration.ofSeconds(30)).until(() -> h.ready(a), r -> r.status() == 503);
        long notReadyAfter = System.currentTimeMillis() - stoppedAt;
        assertThat(down.body()).contains("Kafka");
        await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(9)).until(() -> true); // the outage lasts
        assertThat(a.isAlive()).as(a::describe).isTrue();
        broker.startAgain();
        long restartedAt = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(120)).alias("ready again after the broker came back")
            .until(() -> h.ready(a).status() == 200);
        long readyAgainAfter = System.currentTimeMillis() - restartedAt;
        load.awaitDone(Duration.ofSeconds(180));
        ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
        row("broker stopped for ~10 s and restarted under load (hold 15 s)", t, "not ready " + seconds(notReadyAfter)
            + " after the stop, ready " + seconds(readyAgainAfter) + " after the restart; dead letters " + t.reasons());
        assertExactlyOnce(t);
        // Every event is predicted. Labels the load could only write once the broker was back came seconds after
        // their events, which the service had processed meanwhile: too late for a window of 32 steps, each a dead
        // letter with its bytes, none lost.
        assertThat(t.eventDeadLetters()).isZero();
        assertThat(t.reasons().keySet()).isSubsetOf("label-too-late", "label-unmatched");
        ChaosHarness.assertNoThreadDied(a);
        assertThat(h.terminate(a)).as(a.describe()).isZero();
      }
    }
  }

  /**
   * SIGSTOP of the registry: its port accepts connections and nothing answers, the worst kind of outage. Events
   * written with a schema version the service has not fetched yet must wait for it (not die, not be dead-lettered).
   */
  @Test
  @Order(4)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void registryFrozenWhileEventsComeWithASchemaIdNotYetCached() throws Exception {
    try (ChaosHarness h = harness("registry")) {
      // Each request gives up after 2 s (3 tries), so that the freeze outlasts the client and the service's own
      // retry loop does the waiting.
      CellstreamProcess a = h.start("a", Map.of("schema.registry.request.timeout.ms", "2000"));
      h.awaitReady(a, READY);
      SplittableRandom r = new SplittableRandom(4);
      for (int i = 0; i < 200; i++) {
        String e = "e" + (i % 10);
        h.sendEvent(e, e + "#" + i, x(r), null);
        h.sendLabel(e, e + "#" + i, r.nextInt(2));
      }
      h.awaitAllAccountedFor(ACCOUNTED);
      // A newer writer schema (one more optional field), registered now, never fetched by the service.
      Schema v2 = new Schema.Parser().parse(Event.getClassSchema().toString().replaceFirst("\"fields\"\\s*:\\s*\\[",
          "\"fields\":[{\"name\":\"channel\",\"type\":[\"null\",\"string\"],\"default\":null},"));
      int v2Id = client.register(h.topics.events() + "-value", v2);
      long frozenAt = System.currentTimeMillis();
      freeze(registry);
      try {
        for (int i = 200; i < 500; i++) {
          String e = "e" + (i % 10);
          h.send(true, h.topics.events(), e.getBytes(StandardCharsets.UTF_8), encode(v2, v2Id, e, e + "#" + i, x(r)), e,
              e + "#" + i);
          h.sendLabel(e, e + "#" + i, r.nextInt(2)); // the label schema is cached: these come through
        }
        h.flush();
        ChaosHarness.Answer down = await().atMost(Duration.ofSeconds(30)).until(() -> h.ready(a), x -> x.status() == 503);
        long notReadyAfter = System.currentTimeMillis() - frozenAt;
        assertThat(down.body()).contains("schema registry");
        await().pollDelay(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(13)).until(() -> true); // frozen a while
        assertThat(h.tally().predictedEvents()).as("the events wait for their schema").isEqualTo(200);
        assertThat(a.isAlive()).as(a::describe).isTrue();
      } finally {
        resume(registry);
      }
      long resumedAt = System.currentTimeMillis();
      ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
      await().atMost(Duration.ofSeconds(60)).until(() -> h.ready(a).status() == 200);
      row("registry frozen (SIGSTOP) for ~15 s, events with a schema id not yet cached", t,
          "all predicted " + seconds(lastPredictionTime(t) - resumedAt) + " after SIGCONT");
      assertExactlyOnce(t);
      assertThat(t.deadLetters()).as("a registry outage is nobody's input's fault").isEmpty();
      assertThat(a.stderr()).contains("the schema registry does not answer").contains("answered again");
      ChaosHarness.assertNoThreadDied(a);
      assertThat(h.terminate(a)).as(a.describe()).isZero();
    }
  }

  // ------------------------------------------------------------------ labels racing their events

  @Test
  @Order(5)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void labelsBeforeWithAndLongAfterTheirEvents() throws Exception {
    try (ChaosHarness h = harness("labels")) {
      CellstreamProcess a = h.start("a", Map.of("cellstream.labels.hold.seconds", "5"));
      h.awaitReady(a, READY);
      SplittableRandom r = new SplittableRandom(5);
      int before = 0;
      int with = 0;
      int after = 0;
      int duplicated = 0;
      for (int n = 0; n < 60; n++) {
        for (int k = 0; k < 10; k++) {
          String e = "r" + k;
          String id = e + "#" + n;
          switch (n % 5) {
            case 1 -> { // before: the label is written first
              h.sendLabel(e, id, 1f);
              h.sendEvent(e, id, x(r), null);
              before++;
            }
            case 2 -> { // with: label and event at once, on their two topics
              h.sendEvent(e, id, x(r), null);
              h.sendLabel(e, id, 0f);
              with++;
            }
            case 3 -> { // twice: one is learned from, the other is a duplicate
              h.sendEvent(e, id, x(r), null);
              h.sendLabel(e, id, 1f);
              h.sendLabel(e, id, 1f);
              duplicated++;
            }
            case 4 -> { // after
              h.sendEvent(e, id, x(r), null);
              after++;
            }
            default -> h.sendEvent(e, id, x(r), null);
          }
        }
        h.flush();
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> h.tally().predictedEvents() >= 600);
      for (int n = 4; n < 60; n += 5) {
        for (int k = 0; k < 10; k++) {
          h.sendLabel("r" + k, "r" + k + "#" + n, 0f); // after: those of steps far back are too late
        }
      }
      for (int k = 0; k < 10; k++) {
        h.sendLabel("r" + k, "r" + k + "#never", 1f); // for events that never come
        h.sendLabel("ghost" + k, "ghost" + k + "#0", 1f); // for an entity that never comes
      }
      h.flush();
      // Stream time moves on (the hold is 5 s of it) on every partition: it is per task, the latest record
      // timestamp of its partitions, so a trickle of events for 8 s over entities that cover all four.
      List<String> keepAlive = new ArrayList<>();
      java.util.Set<Integer> covered = new java.util.HashSet<>();
      for (int k = 0; covered.size() < ChaosHarness.PARTITIONS; k++) {
        String e = "k" + k;
        if (covered.add(org.apache.kafka.common.utils.Utils.toPositive(
            org.apache.kafka.common.utils.Utils.murmur2(key(e))) % ChaosHarness.PARTITIONS)) {
          keepAlive.add(e);
        }
      }
      long until = System.currentTimeMillis() + 8_000;
      int n = 0;
      while (System.currentTimeMillis() < until) {
        for (String e : keepAlive) {
          h.sendEvent(e, e + "#" + n, x(r), null);
        }
        n++;
        h.flush();
        Thread.sleep(250); // the trickle's pace (4 events/s per entity), not a wait for a condition: that is the await below
      }
      ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
      row("labels before (" + before + "), with (" + with + "), twice (" + duplicated + "), after (" + after
          + ") their events, and for events that never come (20)", t, "dead letters: " + t.reasons());
      assertExactlyOnce(t);
      assertThat(t.reasons()).containsEntry("label-duplicate", (long) duplicated).containsEntry("label-unmatched", 20L)
          .containsKey("label-too-late");
      assertThat(t.labelsLearned()).as("every label before or with its event, and the recent ones after")
          .isGreaterThanOrEqualTo(before + with + duplicated);
      ChaosHarness.assertNoThreadDied(a);
      assertThat(h.terminate(a)).as(a.describe()).isZero();
    }
  }

  // ------------------------------------------------------------------ poison

  @Test
  @Order(6)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyPoisonPillAndARandomMixAmongGoodEvents() throws Exception {
    try (ChaosHarness h = harness("poison")) {
      CellstreamProcess a = h.start("a", Map.of());
      h.awaitReady(a, READY);
      SplittableRandom r = new SplittableRandom(6);
      String events = h.topics.events();
      byte[] good = h.events.encode(events, event("p", "p#good", x(r)));
      // The pills of issue 9, each of which stopped the service before.
      h.send(true, events, key("p0"), h.events.encode(events, event("p0", text(r, 40_000), x(r))), "p0", "long-id");
      h.send(true, events, text(r, 600_000).getBytes(StandardCharsets.UTF_8), good, "p", "p#good");
      for (int i = 0; i < 36; i++) {
        h.send(true, events, key("p2"), h.events.encode(events, event("p2", i + text(r, 30_000), x(r))), "p2", "30kb-" + i);
      }
      byte[] oversized = new byte[700_000];
      h.send(true, events, key("p3"), oversized, "p3", "oversized");
      // A random mix of the other kinds, among good events and their labels.
      int goodEvents = 0;
      for (int i = 0; i < 400; i++) {
        String e = "g" + r.nextInt(12);
        String id = e + "#" + i;
        switch (r.nextInt(12)) {
          case 0 -> h.send(true, events, key(e), bytes(r, 1 + r.nextInt(300)), e, id);           // undecodable
          case 1 -> {                                                                          // unknown schema id
            byte[] b = h.events.encode(events, event(e, id, x(r)));
            ByteBuffer.wrap(b, 1, 4).putInt(900_000 + r.nextInt(1000));
            h.send(true, events, key(e), b, e, id);
          }
          case 2 -> h.send(true, events, key(e), h.events.encode(events, event(e, id, new float[1 + 3 * r.nextInt(2)])), e, id);
          case 3 -> h.send(true, events, key(e), h.events.encode(events, event(e, id, new float[] {Float.NaN, 0, 0})), e, id);
          case 4 -> h.send(true, events, null, h.events.encode(events, event(e, id, x(r))), e, id);  // missing key
          case 5 -> h.send(true, events, key(e + "x"), h.events.encode(events, event(e, id, x(r))), e, id);
          case 6 -> h.send(true, events, key(""), h.events.encode(events, event("", id, x(r))), "", id);
          case 7 -> {
            String longEntity = text(r, 1_025 + r.nextInt(5_000));
            h.send(true, events, key(longEntity), h.events.encode(events, event(longEntity, id, x(r))), longEntity, id);
          }
          case 8 -> h.send(false, h.topics.labels(), key(e), bytes(r, r.nextInt(100)), e, id);   // undecodable label
          default -> {
            h.sendEvent(e, id, x(r), null);
            h.sendLabel(e, id, r.nextInt(2));
            goodEvents++;
          }
        }
      }
      h.flush();
      ChaosHarness.Tally t = h.awaitAllAccountedFor(ACCOUNTED);
      row("poison: a 40 KB event id, a 600 KB mismatched key, 36 events with 30 KB ids, a 700 KB record, and a random"
          + " mix of 10 kinds among " + goodEvents + " good events", t, "dead letters: " + t.reasons());
      assertExactlyOnce(t);
      assertThat(t.reasons()).containsKeys("event-id-too-long", "key-mismatch", "oversized", "undecodable",
          "unknown-schema", "wrong-dimension", "non-finite", "missing-key", "missing-entity-id", "entity-id-too-long");
      assertThat(t.reasons().get("event-id-too-long")).isEqualTo(37L);
      DeadLetter big = t.deadLetters().stream().filter(d -> d.getReason().equals("oversized")).findFirst().orElseThrow();
      assertThat(big.getValue().remaining()).as("the original bytes, whole").isEqualTo(700_000);
      assertThat(big.getValueSize()).isNull();
      ChaosHarness.assertNoThreadDied(a);
      assertThat(h.terminate(a)).as(a.describe()).isZero();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Events at a steady rate over {@code entities} entities, a label for every {@code labelEvery}-th a little later. */
  static final class Load implements AutoCloseable {
    private final Thread thread;
    private final ScheduledExecutorService labels = Executors.newSingleThreadScheduledExecutor();
    private volatile Throwable failure;

    Load(ChaosHarness h, int entities, int total, int perSecond, int labelEvery, long labelDelayMs, long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      thread = new Thread(() -> {
        long start = System.nanoTime();
        try {
          for (int i = 0; i < total; i++) {
            String e = "e" + (i % entities);
            String id = e + "#" + (i / entities);
            h.sendEvent(e, id, x(r), null);
            if (i % labelEvery == 0) {
              float target = r.nextInt(2);
              labels.schedule(() -> h.sendLabel(e, id, target), labelDelayMs, TimeUnit.MILLISECONDS);
            }
            long due = start + (long) ((i + 1) * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
          }
        } catch (Throwable t) {
          failure = t;
        }
      }, "chaos-load");
      thread.start();
    }

    void awaitDone(Duration timeout) throws InterruptedException {
      thread.join(timeout.toMillis());
      assertThat(thread.isAlive()).as("the load finished").isFalse();
      labels.shutdown();
      assertThat(labels.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(failure).as("the load").isNull();
    }

    @Override
    public void close() {
      thread.interrupt();
      labels.shutdownNow();
    }
  }

  private static long lastPredictionTime(ChaosHarness.Tally t) {
    return t.predictions().stream().mapToLong(p -> p.getPredictionTime().toEpochMilli()).max().orElse(0);
  }

  private static String seconds(long ms) {
    return ms < 0 ? "n/a" : String.format("%.1f s", ms / 1000.0);
  }

  private static void freeze(EmbeddedSchemaRegistry registry) throws IOException, InterruptedException {
    signal("-STOP", registry.pid());
  }

  private static void resume(EmbeddedSchemaRegistry registry) {
    try {
      signal("-CONT", registry.pid());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void signal(String sig, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", sig, String.valueOf(pid)).inheritIO().start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kill %s %d", sig, pid).isZero();
  }

  static float[] x(SplittableRandom r) {
    return new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
  }

  private static Event event(String entity, String id, float[] x) {
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    return Event.newBuilder().setEntityId(entity).setEventId(id).setEventTime(java.time.Instant.now()).setFeatures(f).build();
  }

  private static byte[] encode(Schema schema, int id, String entity, String eventId, float[] x) throws IOException {
    GenericRecord rec = new GenericData.Record(schema);
    rec.put("entityId", entity);
    rec.put("eventId", eventId);
    rec.put("eventTime", System.currentTimeMillis());
    List<Float> f = new ArrayList<>();
    for (float v : x) {
      f.add(v);
    }
    rec.put("features", f);
    rec.put("channel", "web");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(SplittableRandom r, int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return new String(c);
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt();
    }
    return b;
  }
}
