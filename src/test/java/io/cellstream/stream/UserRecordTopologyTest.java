package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Prediction;
import io.cellstream.eval.Baselines;
import io.cellstream.eval.LabelPolicy;
import io.cellstream.eval.StreamConfig;
import io.cellstream.eval.TaskInfo;
import io.cellstream.input.CheckedEvent;
import io.cellstream.input.CheckedLabel;
import io.cellstream.input.FeatureList;
import io.cellstream.input.FieldPath;
import io.cellstream.input.InputFormat;
import io.cellstream.input.InputMapping;
import io.cellstream.input.InputReader;
import io.cellstream.learn.InProcessLearner;
import io.cellstream.learn.LabelJoin;
import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.lstm.InputStatistics;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.PreparedWeights;
import io.cellstream.lstm.Task;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The user's own JSON records through the real topology (TopologyTestDriver): fields by path, the features with the
 * entity's memory (since, prev_target) and the standardisation learned by the trainer, events keyed by something
 * else than their entity repartitioned, labels in the user's shape, bad fields dead-lettered with their names — and
 * the very same predictions from the in-process learner that replay's baselines run (one input layer, two hosts).
 */
class UserRecordTopologyTest {

  static final String FEATURES = "num(tx.amount), log(tx.amount), cat(tx.merchant, 4), hour(ts), since(ts), prev_target()";

  static InputMapping mapping() {
    return new InputMapping(InputFormat.JSON, FieldPath.parse("card.id"), FieldPath.parse("ts"), FieldPath.parse("id"),
        FieldPath.parse("fraud"), FeatureList.parse(FEATURES, 1), InputFormat.JSON, FieldPath.parse("card"),
        FieldPath.parse("event"), FieldPath.parse("isFraud"));
  }

  /** A JSON event: whether a card's payment is fraud depends on its amount and on the card's previous one. */
  private record Tx(String key, String card, String id, long ts, double amount, String merchant, Integer inlineFraud,
      int fraud) {
    byte[] json() {
      return String.format(Locale.ROOT, "{\"id\": \"%s\", \"ts\": %d, \"card\": {\"id\": \"%s\", \"holder\": \"x\"},"
              + " \"tx\": {\"amount\": %.2f, \"merchant\": \"%s\"}%s}", id, ts, card, amount, merchant,
          inlineFraud == null ? "" : ", \"fraud\": " + inlineFraud).getBytes(StandardCharsets.UTF_8);
    }
  }

  private static List<Tx> stream(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Tx> out = new ArrayList<>();
    double[] last = new double[5];
    long ts = 1_714_570_200_000L;
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(5);
      ts += 1000 + r.nextInt(60_000);
      double amount = Math.round(Math.exp(r.nextDouble() * 8) * 100) / 100.0;
      int fraud = amount > 500 && last[c] > 500 ? 1 : 0;
      last[c] = amount;
      String card = "card-" + c;
      // half keyed by the card, half by a session id: those are repartitioned by the card
      String key = r.nextBoolean() ? card : "session-" + r.nextInt(1000);
      Integer inline = i % 3 == 0 ? fraud : null; // every third labelled inline, every third by a delayed label
      out.add(new Tx(key, card, "p" + i, ts, amount, "m" + r.nextInt(6), inline, fraud));
    }
    return out;
  }

  private static byte[] labelJson(Tx t) {
    return String.format(Locale.ROOT, "{\"card\": \"%s\", \"event\": \"%s\", \"isFraud\": %s}", t.card, t.id,
        t.fraud == 1).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theTopologyAndTheInProcessLearnerReadAndLearnTheUsersRecordsAlike() throws Exception {
    InputMapping mapping = mapping();
    ModelSpec spec = new ModelSpec(mapping.features().width(), 6, 1, Task.BINARY);
    TaskInfo info = TaskInfo.custom("json", Task.BINARY, spec.inputSize(), 1, 6);
    LearnerSettings learner = Baselines.settings(info, new LabelPolicy(0.6, 2),
        LearnerSettings.DEFAULTS.withReplay(20, 1).withPublish(1, null).withCheckpointEvery(4).withSeed(3));
    StreamSettings settings = new StreamSettings(TopologyFixture.uniqueTopics(), "m", spec, learner, true, 4096, true)
        .withMapping(mapping);
    List<Tx> txs = stream(180, 11);

    List<Prediction> topology = new ArrayList<>();
    List<float[]> inProcess = new ArrayList<>();
    List<Long> inProcessVersions = new ArrayList<>();
    long repartitioned = 0;
    try (TopologyFixture f = new TopologyFixture(settings)) {
      InputReader reader = f.serdes.inputReader(settings);
      InProcessLearner<PreparedWeights> local = new InProcessLearner<>("lstm", new LstmCell(spec, learner.forgetBias()),
          learner, LabelJoin.Holding.DEFAULTS, true, null, mapping.layout(spec.inputSize()), reader.featureMemory(), 1, 0);
      var byEntity = f.driver.createOutputTopic(settings.topics().eventsByEntity(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer());
      CheckedEvent ev = reader.newEvent();
      CheckedLabel lb = reader.newLabel();
      List<Tx> delayed = new ArrayList<>();
      for (int i = 0; i < txs.size(); i++) {
        Tx t = txs.get(i);
        byte[] value = t.json();
        f.events.pipeInput(t.key().getBytes(StandardCharsets.UTF_8), value, t.ts());
        assertThat(reader.event("x", 0, i, t.ts(), t.card().getBytes(StandardCharsets.UTF_8), value, null, ev)).isNull();
        inProcessVersions.add(local.version());
        inProcess.add(local.predict(ev.entityId(), ev.eventId(), ev.time(), ev.copy()));
        if (ev.hasTarget()) {
          local.learn(ev.entityId(), ev.eventId(), ev.target().clone());
        }
        if (i % 3 == 1) {
          delayed.add(t);
        }
        if (delayed.size() == 3 || i == txs.size() - 1) { // labels a few events late, keyed by nothing
          for (Tx d : delayed) {
            f.labels.pipeInput(null, labelJson(d), t.ts());
            assertThat(reader.label("y", 0, i, t.ts(), null, labelJson(d), lb)).isNull();
            local.learn(lb.entityId(), lb.eventId(), lb.target().clone(), t.ts());
          }
          delayed.clear();
        }
        topology.addAll(f.readPredictions());
        repartitioned += byEntity.readRecordsToList().size();
      }
      assertThat(f.readDeadLetters()).isEmpty();
      assertThat(repartitioned).as("events keyed by a session went round").isBetween(65L, 115L);

      assertThat(topology).hasSameSizeAs(txs);
      for (int i = 0; i < topology.size(); i++) {
        Prediction p = topology.get(i);
        assertThat(p.getEntityId()).isEqualTo(txs.get(i).card());
        assertThat(p.getEventId()).isEqualTo(txs.get(i).id());
        assertThat(p.getModelVersion()).as("version of prediction %d", i).isEqualTo(inProcessVersions.get(i));
        assertThat(p.getOutputs().getFirst()).as("prediction %d", i).isCloseTo(inProcess.get(i)[0], within(1e-6f));
      }
      // the statistics went out with the versions: the current one carries what the trainer learned
      ModelVersion current = f.models.current();
      InputStatistics s = current.model().statistics();
      assertThat(s.features()).isEqualTo(mapping.canonicalFeatures());
      assertThat(s.columns()).containsExactly(0, 1);
      assertThat(s.count(0)).isGreaterThan(120);
      assertThat(s).isEqualTo(local.statistics());
      assertThat(local.trainer().examplesSeen()).isGreaterThan(90);
    }
  }

  @Test
  void badFieldsAreDeadLettersNamingTheField() throws Exception {
    InputMapping mapping = mapping();
    ModelSpec spec = new ModelSpec(mapping.features().width(), 4, 1, Task.BINARY);
    StreamSettings settings = TopologyFixture.settings(spec, true, 8, 4, 6, 4, 8).withMapping(mapping);
    try (TopologyFixture f = new TopologyFixture(settings)) {
      String[] bad = {
          "{\"id\": \"a\", \"ts\": 1, \"card\": {\"id\": \"c\"}, \"tx\": {\"merchant\": \"m\"}}",
          "{\"id\": \"b\", \"ts\": 1, \"card\": {\"id\": \"c\"}, \"tx\": {\"amount\": \"lots\", \"merchant\": \"m\"}}",
          "{\"id\": \"c\", \"ts\": \"noon\", \"card\": {\"id\": \"c\"}, \"tx\": {\"amount\": 1, \"merchant\": \"m\"}}",
          "{\"id\": \"d\", \"ts\": 1, \"card\": {}, \"tx\": {\"amount\": 1, \"merchant\": \"m\"}}",
          "{\"id\": \"e\", \"ts\": 1, \"card\": {\"id\": \"c\"}, \"tx\": {\"amount\": 1, \"merchant\": \"m\"}, \"fraud\": 7}",
          "not json"};
      for (String b : bad) {
        f.events.pipeInput("k".getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8), 1L);
      }
      f.labels.pipeInput(null, "{\"card\": \"c\", \"isFraud\": 1}".getBytes(StandardCharsets.UTF_8), 1L);
      List<DeadLetter> dls = f.readDeadLetters();
      assertThat(dls).extracting(DeadLetter::getReason).containsExactly("missing-field", "malformed-field",
          "malformed-field", "missing-entity-id", "invalid-target", "undecodable", "missing-field");
      assertThat(dls).extracting(DeadLetter::getField).containsExactly("tx.amount", "tx.amount", "ts", "card.id", "fraud",
          null, "event");
      assertThat(dls.getFirst().getMessage()).contains("'tx.amount'").contains("num(tx.amount)").contains("default=");
      assertThat(dls.get(5).getValue().array()).isEqualTo("not json".getBytes(StandardCharsets.UTF_8));
      assertThat(f.readPredictions()).isEmpty();
      assertThat(f.metrics.deadLettersTotal()).isEqualTo(7);
    }
  }
}
