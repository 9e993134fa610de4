package io.cellstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GeneratorsTest {

  private static Map<String, List<TaskEvent>> byEntity(List<StreamRecord> records) {
    Map<String, List<TaskEvent>> m = new LinkedHashMap<>();
    for (StreamRecord r : records) {
      if (r instanceof TaskEvent e) {
        m.computeIfAbsent(e.entityId(), k -> new ArrayList<>()).add(e);
      }
    }
    return m;
  }

  private static List<TaskEvent> events(List<StreamRecord> records) {
    List<TaskEvent> l = new ArrayList<>();
    for (StreamRecord r : records) {
      if (r instanceof TaskEvent e) {
        l.add(e);
      }
    }
    return l;
  }

  // ---------------------------------------------------------------------------------------- common

  @Test
  void streamsAreDeterministicPerSeedAndWellFormed() {
    for (String task : List.of("long-lag", "adding", "reber")) {
      StreamConfig c = StreamConfig.of(17, 5000, 99).withLabels(new LabelPolicy(0.3, 4));
      List<StreamRecord> a = Tasks.create(task, c, Map.of("lag", "5", "T", "20")).toList();
      List<StreamRecord> b = Tasks.create(task, c, Map.of("lag", "5", "T", "20")).toList();
      List<StreamRecord> other = Tasks.create(task, c.withSeed(100), Map.of("lag", "5", "T", "20")).toList();
      assertThat(a).isEqualTo(b);
      assertThat(a).isNotEqualTo(other);
      List<TaskEvent> ev = events(a);
      assertThat(ev).hasSize(5000);
      long last = Long.MIN_VALUE;
      Set<String> ids = new HashSet<>();
      for (TaskEvent e : ev) {
        assertThat(e.eventTimeMillis()).isGreaterThan(last);
        last = e.eventTimeMillis();
        assertThat(e.entityId()).matches("e\\d{5}");
        assertThat(e.eventId()).startsWith(e.entityId() + ":");
        assertThat(ids.add(e.eventId())).isTrue();
        for (float x : e.features()) {
          assertThat(Float.isFinite(x)).isTrue();
        }
      }
    }
  }

  @Test
  void interleavings() {
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(5, 50, 1).withInterleaving(Interleaving.ROUND_ROBIN),
        LongLagTask.Config.DEFAULTS.withLag(3));
    List<TaskEvent> ev = events(g.toList());
    for (int i = 0; i < ev.size(); i++) {
      assertThat(ev.get(i).entityId()).isEqualTo(StreamConfig.entityId(i % 5));
    }
    ev = events(g.withConfig(g.config().withInterleaving(Interleaving.SHUFFLED_ROUNDS)).toList());
    Set<List<String>> orders = new HashSet<>();
    for (int round = 0; round < 10; round++) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(ev.get(round * 5 + i).entityId());
      }
      assertThat(new HashSet<>(ids)).hasSize(5); // every entity once per round
      orders.add(ids);
    }
    assertThat(orders.size()).isGreaterThan(1); // jitter: not the same order every round
    // random interleaving: every entity gets about 1/E of the events
    ev = events(g.withConfig(g.config().withInterleaving(Interleaving.RANDOM).withEvents(50_000)).toList());
    Map<String, Integer> counts = new HashMap<>();
    ev.forEach(e -> counts.merge(e.entityId(), 1, Integer::sum));
    assertThat(counts).hasSize(5);
    counts.values().forEach(n -> assertThat(n).isBetween(9_500, 10_500));
  }

  @Test
  void delayedLabelsFollowTheEntitysLaterEventAndMatchInlineTargets() {
    int delay = 3;
    LongLagTask.Config cfg = LongLagTask.Config.DEFAULTS.withLag(2);
    StreamConfig inline = StreamConfig.of(6, 3000, 5);
    List<StreamRecord> in = LongLagTask.generator(inline, cfg).toList();
    List<StreamRecord> del = LongLagTask.generator(inline.withLabels(LabelPolicy.delayed(delay)), cfg).toList();
    // the events are the same but for where the label travels
    Map<String, Float> inlineTargets = new HashMap<>();
    for (TaskEvent e : events(in)) {
      if (e.target() != null) {
        inlineTargets.put(e.eventId(), e.target());
      }
    }
    Map<String, Integer> stepOf = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>(); // events per entity so far
    Set<String> labelled = new HashSet<>();
    String lastEventEntity = null;
    int flushedAtEnd = 0;
    int eventsSeen = 0;
    for (StreamRecord r : del) {
      if (r instanceof TaskEvent e) {
        eventsSeen++;
        int step = seen.merge(e.entityId(), 1, Integer::sum) - 1;
        stepOf.put(e.eventId(), step);
        lastEventEntity = e.entityId();
        assertThat(e.target()).isNull();
        if (e.isQuery()) {
          assertThat(e.label()).isEqualTo(LabelMode.DELAYED);
        }
      } else if (r instanceof TaskLabel l) {
        assertThat(labelled.add(l.eventId())).as("one label per event").isTrue();
        assertThat(l.target()).isEqualTo(inlineTargets.get(l.eventId()));
        int step = stepOf.get(l.eventId()); // the event came earlier
        if (eventsSeen < 3000) {
          assertThat(lastEventEntity).isEqualTo(l.entityId());
          assertThat(seen.get(l.entityId()) - 1).isEqualTo(step + delay);
        } else {
          flushedAtEnd++;
        }
      }
    }
    assertThat(labelled).isEqualTo(inlineTargets.keySet());
    assertThat(flushedAtEnd).isGreaterThan(0);

    // a mix: about half of the labels delayed
    List<StreamRecord> mix = LongLagTask.generator(inline.withLabels(new LabelPolicy(0.5, 0)), cfg).toList();
    long delayed = events(mix).stream().filter(e -> e.label() == LabelMode.DELAYED).count();
    long queries = events(mix).stream().filter(TaskEvent::labelled).count();
    assertThat((double) delayed / queries).isCloseTo(0.5, within(0.08));
    // delay 0: the label right behind its own event
    for (int i = 0; i < mix.size(); i++) {
      if (mix.get(i) instanceof TaskLabel l) {
        assertThat(((TaskEvent) mix.get(i - 1)).eventId()).isEqualTo(l.eventId());
      }
    }
  }

  // ---------------------------------------------------------------------------------------- long lag

  @Test
  void longLagQueryTargetIsTheCueOfTheSameEntityLPlus1EventsEarlier() {
    LongLagTask.Config cfg = LongLagTask.Config.DEFAULTS.withLag(7); // K = 4, M = 4, D = 11
    List<StreamRecord> all = LongLagTask.generator(StreamConfig.of(23, 60_000, 11), cfg).toList();
    int[] classCounts = new int[cfg.classes()];
    float[] queryVector = null;
    double[][] noiseSum = new double[cfg.classes()][cfg.noiseDims()];
    long[] noiseN = new long[cfg.classes()];
    for (List<TaskEvent> es : byEntity(all).values()) {
      int cls = -1;
      for (int i = 0; i < es.size(); i++) {
        TaskEvent e = es.get(i);
        float[] x = e.features();
        int pos = i % cfg.episodeLength();
        assertThat(e.position()).isEqualTo(pos);
        assertThat(e.sequence()).isEqualTo(i / cfg.episodeLength());
        // class one-hot only on cues
        float classMass = 0;
        for (int k = 0; k < cfg.classes(); k++) {
          classMass += x[k];
        }
        switch (e.role()) {
          case CUE -> {
            assertThat(pos).isZero();
            assertThat(classMass).isEqualTo(1f);
            assertThat(x[cfg.cueFlag()]).isEqualTo(1f);
            assertThat(x[cfg.distractorFlag()] + x[cfg.queryFlag()]).isZero();
            cls = MetricSet.argmax(x, cfg.classes());
            assertThat(e.labelled()).isFalse();
          }
          case DISTRACTOR -> {
            assertThat(pos).isBetween(1, cfg.lag());
            assertThat(classMass).isZero();
            assertThat(x[cfg.distractorFlag()]).isEqualTo(1f);
            assertThat(x[cfg.cueFlag()] + x[cfg.queryFlag()]).isZero();
            assertThat(e.labelled()).isFalse();
            if (cls >= 0) {
              noiseN[cls]++;
              for (int j = 0; j < cfg.noiseDims(); j++) {
                float v = x[cfg.noiseOffset() + j];
                assertThat(v).isBetween(-1f, 1f);
                noiseSum[cls][j] += v;
              }
            }
          }
          case QUERY -> {
            assertThat(pos).isEqualTo(cfg.lag() + 1);
            assertThat(e.labelled()).isTrue();
            TaskEvent cue = es.get(i - (cfg.lag() + 1));
            assertThat(cue.role()).isEqualTo(EventRole.CUE);
            assertThat(e.target()).isEqualTo((float) MetricSet.argmax(cue.features(), cfg.classes()));
            classCounts[Math.round(e.target())]++;
            if (queryVector == null) {
              queryVector = x.clone();
            }
            assertThat(x).as("every query looks the same: nothing leaks the class").containsExactly(queryVector);
          }
          default -> throw new AssertionError("unexpected role " + e.role());
        }
      }
    }
    int queries = Arrays.stream(classCounts).sum();
    assertThat(queries).isGreaterThan(6000);
    for (int c : classCounts) { // uniform: within 5 standard deviations
      double expected = queries / 4.0;
      assertThat(Math.abs(c - expected)).isLessThan(5 * Math.sqrt(expected * 0.75));
    }
    for (int c = 0; c < cfg.classes(); c++) { // distractor noise does not depend on the class
      for (int j = 0; j < cfg.noiseDims(); j++) {
        assertThat(noiseSum[c][j] / noiseN[c]).isCloseTo(0, within(5 * Math.sqrt(1.0 / 3 / noiseN[c])));
      }
    }
  }

  @Test
  void longLagWithoutMemoryStaysAtChance() {
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(50, 120_000, 3), LongLagTask.Config.DEFAULTS.withLag(10));
    EvalResult r = Evaluator.run(g, List.of(Baselines.forTask(g.info(), 4).getFirst(), MajorityLearner.forTask(g.info())),
        EvalOptions.DEFAULTS);
    for (ModelResult m : r.models()) {
      assertThat(m.metric("accuracy").cumulative()).isCloseTo(0.25, within(0.03));
    }
  }

  @Test
  void longLagBinaryVariant() {
    TaskGenerator g = LongLagTask.generator(StreamConfig.of(3, 600, 1), new LongLagTask.Config(2, 4, 2, true));
    assertThat(g.info().task()).isEqualTo(io.cellstream.lstm.Task.BINARY);
    assertThat(g.info().outputSize()).isEqualTo(1);
    assertThat(g.info().metrics()).extracting(MetricInfo::key).containsExactly("accuracy", "logloss", "auc");
    events(g.toList()).stream().filter(TaskEvent::labelled).forEach(e -> assertThat(e.target()).isIn(0f, 1f));
  }

  // ---------------------------------------------------------------------------------------- adding

  @Test
  void addingHasTwoMarksAtLegalPositionsAndThePapersTarget() {
    AddingTask.Config cfg = AddingTask.Config.of(100);
    assertThat(cfg.maxLength()).isEqualTo(110);
    List<StreamRecord> all = AddingTask.generator(StreamConfig.of(7, 120_000, 5), cfg).toList();
    int sequences = 0;
    int[] firstMarkHist = new int[10];
    Set<Integer> lengths = new HashSet<>();
    for (List<TaskEvent> es : byEntity(all).values()) {
      int i = 0;
      while (i < es.size()) {
        int n = es.get(i).sequenceLength();
        if (i + n > es.size()) {
          break; // cut by the end of the stream
        }
        List<TaskEvent> seq = es.subList(i, i + n);
        i += n;
        sequences++;
        lengths.add(n);
        assertThat(n).isBetween(100, 110);
        List<Integer> marks = new ArrayList<>();
        double sum = 0;
        for (int p = 0; p < n; p++) {
          TaskEvent e = seq.get(p);
          float[] x = e.features();
          assertThat(e.position()).isEqualTo(p);
          assertThat(x[AddingTask.VALUE]).isBetween(-1f, 1f);
          assertThat(x[AddingTask.START]).isEqualTo(p == 0 ? 1f : 0f);
          assertThat(x[AddingTask.END]).isEqualTo(p == n - 1 ? 1f : 0f);
          assertThat(x[AddingTask.MARKER]).isIn(0f, 1f);
          if (x[AddingTask.MARKER] == 1f) {
            marks.add(p);
            sum += x[AddingTask.VALUE];
          }
          assertThat(e.labelled()).isEqualTo(p == n - 1);
          assertThat(e.role()).isEqualTo(p == 0 ? EventRole.START : p == n - 1 ? EventRole.END : EventRole.STEP);
        }
        assertThat(marks).hasSize(2);
        assertThat(marks.get(0)).isLessThan(10);     // one of the first ten pairs
        assertThat(marks.get(1)).isLessThan(50);     // one of the first T/2 pairs
        firstMarkHist[marks.get(0)]++;
        assertThat(seq.get(n - 1).target()).isEqualTo((float) (0.5 + sum / 4.0));
      }
    }
    assertThat(sequences).isGreaterThan(1000);
    assertThat(lengths.size()).isGreaterThan(8); // lengths vary over [T, T + T/10]
    // the earlier of the two marks is at most the first mark, so every position of the first ten occurs
    for (int c : firstMarkHist) {
      assertThat(c).isPositive();
    }
  }

  @Test
  void addingPaperEncodingMarksFirstAndLastWithMinusOne() {
    AddingTask.Config cfg = AddingTask.Config.of(20).withEncoding(AddingTask.Encoding.PAPER);
    List<StreamRecord> all = AddingTask.generator(StreamConfig.of(3, 30_000, 8), cfg).toList();
    int zeroMarked = 0;
    for (List<TaskEvent> es : byEntity(all).values()) {
      int i = 0;
      while (i < es.size()) {
        int n = es.get(i).sequenceLength();
        if (i + n > es.size()) {
          break;
        }
        List<TaskEvent> seq = es.subList(i, i + n);
        i += n;
        assertThat(seq.get(0).features()).hasSize(2);
        assertThat(seq.get(0).features()[1]).isEqualTo(-1f);
        assertThat(seq.get(n - 1).features()[1]).isEqualTo(-1f);
        int ones = 0;
        double sum = 0;
        for (TaskEvent e : seq) {
          if (e.features()[1] == 1f) {
            ones++;
            sum += e.features()[0];
          }
        }
        assertThat(ones).isBetween(1, 2); // 1 when a mark fell on the first pair: its value counts as 0
        if (ones == 1) {
          zeroMarked++;
        }
        assertThat(seq.get(n - 1).target()).isEqualTo((float) (0.5 + sum / 4.0));
      }
    }
    assertThat(zeroMarked).isPositive();
  }

  // ---------------------------------------------------------------------------------------- Reber

  /** The embedded Reber grammar as a regular expression, written independently of {@link ReberGrammar}. */
  private static final String R4 = "(?:XT*VP)*(?:S|XT*VV)"; // from state 4 to the inner E
  private static final String INNER = "B(?:TS*X" + R4 + "|PT*V(?:V|P" + R4 + "))E";
  static final Pattern EMBEDDED = Pattern.compile("B(?:T" + INNER + "T|P" + INNER + "P)E");

  /** Symbols c such that prefix + c can still become an embedded Reber string. */
  private static String legalAfter(String prefix) {
    StringBuilder b = new StringBuilder();
    for (char c : ReberGrammar.SYMBOLS.toCharArray()) {
      Matcher m = EMBEDDED.matcher(prefix + c);
      if (m.matches() || m.hitEnd()) {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Test
  void reberStringsAreAcceptedAndLegalSetsAreRight() {
    List<StreamRecord> all = ReberTask.generator(StreamConfig.of(9, 40_000, 21), ReberTask.Config.DEFAULTS).toList();
    int strings = 0;
    int longest = 0;
    Map<Integer, Integer> secondSymbols = new HashMap<>();
    for (List<TaskEvent> es : byEntity(all).values()) {
      int i = 0;
      while (i < es.size()) {
        int n = es.get(i).sequenceLength();
        if (i + n > es.size()) {
          break;
        }
        List<TaskEvent> seq = es.subList(i, i + n);
        i += n;
        strings++;
        longest = Math.max(longest, n);
        StringBuilder s = new StringBuilder();
        for (TaskEvent e : seq) {
          int sym = MetricSet.argmax(e.features(), 7);
          assertThat(e.features()[sym]).isEqualTo(1f);
          s.append(ReberGrammar.SYMBOLS.charAt(sym));
        }
        String str = s.toString();
        assertThat(EMBEDDED.matcher(str).matches()).as(str).isTrue();
        assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse(str))).isTrue();
        assertThat(str.charAt(n - 2)).as("penultimate repeats the second symbol").isEqualTo(str.charAt(1));
        secondSymbols.merge((int) str.charAt(1), 1, Integer::sum);
        for (int p = 0; p < n; p++) {
          TaskEvent e = seq.get(p);
          if (p < n - 1) {
            assertThat(e.labelled()).isTrue();
            assertThat(e.target()).isEqualTo((float) ReberGrammar.SYMBOLS.indexOf(str.charAt(p + 1)));
            assertThat(ReberGrammar.maskToString(e.legalMask())).as(str + " after " + p)
                .isEqualTo(legalAfter(str.substring(0, p + 1)));
            assertThat((e.legalMask() >> Math.round(e.target())) & 1).isEqualTo(1);
          } else {
            assertThat(e.labelled()).isFalse();
            assertThat(e.legalMask()).isZero();
            assertThat(e.role()).isEqualTo(EventRole.END);
          }
          if (p == n - 3) {
            assertThat(e.role()).isEqualTo(EventRole.RECALL);
            assertThat(str.charAt(p)).isEqualTo('E'); // the inner string's end
            assertThat(e.legalMask()).isEqualTo(1 << ReberGrammar.SYMBOLS.indexOf(str.charAt(1)));
          }
        }
      }
    }
    assertThat(strings).isGreaterThan(3000);
    assertThat(secondSymbols.get((int) 'T') / (double) strings).isCloseTo(0.5, within(0.05));
    // the suggested window (32) covers the lag of nearly every string: from the second symbol to the recall
    assertThat(longest).isGreaterThan(12);
  }

  @Test
  void reberCheckerRejectsWhatTheGrammarForbids() {
    assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse("BTBTXSETE"))).isTrue();
    assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse("BPBPVVEPE"))).isTrue();
    assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse("BTBTXSEPE"))).isFalse(); // outer mismatch
    assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse("BTBTXXETE"))).isFalse();
    assertThat(ReberGrammar.acceptsEmbedded(ReberGrammar.parse("BTBPVVET"))).isFalse();
    assertThat(ReberGrammar.acceptsReber(ReberGrammar.parse("BTSSXXTVVE"))).isTrue();
    assertThat(ReberGrammar.acceptsReber(ReberGrammar.parse("BTSSPXSE"))).isFalse();
    assertThat(ReberGrammar.maskToString(ReberGrammar.legalNextMasks(ReberGrammar.parse("BPBTSXXVPSEPE"))[6]))
        .isEqualTo("TV"); // after BPBTSXX (state 3): T or V
  }
}
