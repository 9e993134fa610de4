package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cellstream.avro.Event;
import io.cellstream.avro.Prediction;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.LstmKernels;
import io.cellstream.lstm.Model;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.StepWorkspace;
import io.cellstream.lstm.Task;
import io.cellstream.testing.SharedStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The loop on a real KRaft broker and a real schema registry. */
@ExtendWith(SharedStackExtension.class)
class LoopIT {

  /**
   * A task that needs one step of memory: the label of each event is whether the entity's previous event
   * had a positive first feature. Events arrive in chunks; between chunks the test waits for the trainer's
   * next version, so the stream and the learning advance together as they would in production.
   */
  @Test
  void theModelLearnsOnALiveStream() throws Exception {
    ModelSpec spec = new ModelSpec(2, 8, 1, Task.BINARY);
    try (LoopHarness h = new LoopHarness(spec, 2, true, 8, 4, 0.02f, 8, 40)) {
      Map<Integer, Float> previous = new HashMap<>();
      List<Event> events = LoopHarness.stream(h, 30, 100, 5, (e, x) -> {
        Float before = previous.put(e, x[0]);
        return before == null ? null : (before > 0 ? 1f : 0f);
      });
      Map<String, Float> targets = new HashMap<>();
      for (Event e : events) {
        targets.put(e.getEventId(), e.getTarget());
      }
      CellstreamService service = h.startService("a");
      int chunk = 300;
      for (int from = 0; from < events.size(); from += chunk) {
        long version = service.models().current() == null ? 0 : service.models().current().version();
        events.subList(from, Math.min(events.size(), from + chunk)).forEach(h::send);
        h.flush();
        int expected = Math.min(events.size(), from + chunk);
        await().atMost(Duration.ofSeconds(60)).until(() -> h.predictions().size() >= expected);
        if (from > 0) {
          // The first predictions may come before version 1 reaches this instance (they use the same parameters).
          await().atMost(Duration.ofSeconds(60)).until(() -> service.models().current() != null
              && service.models().current().version() > version);
        }
      }
      List<Prediction> preds = h.predictions();
      assertThat(preds).hasSize(events.size());
      List<Double> losses = new ArrayList<>();
      for (Prediction p : preds) {
        Float t = targets.get(p.getEventId());
        if (t != null) {
          double y = Math.min(1 - 1e-7, Math.max(1e-7, p.getOutputs().get(0)));
          losses.add(t == 1f ? -Math.log(y) : -Math.log(1 - y));
        }
      }
      int fifth = losses.size() / 5;
      double first = losses.subList(0, fifth).stream().mapToDouble(d -> d).average().orElseThrow();
      double last = losses.subList(losses.size() - fifth, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
      System.out.printf("prequential log-loss: first fifth %.4f, last fifth %.4f, model version %d%n", first, last,
          service.models().current().version());
      assertThat(first).isGreaterThan(0.6);
      assertThat(last).as("prequential log-loss of the last fifth vs the first (%.4f)", first).isLessThan(0.6 * first);
      assertThat(service.metrics().examples()).isGreaterThan(events.size() - 31 - 1);
      assertThat(service.metrics().deadLettersTotal()).isZero();
      assertThat(preds.getLast().getModelVersion()).isGreaterThan(1);
    }
  }

  /**
   * Two instances with one application id share the partitions; a new model version reaches both while
   * events flow; when one stops, the other takes over its entities with their memory restored from the
   * changelog, so its predictions are exactly those of an uninterrupted run.
   */
  @Test
  void twoInstancesShareTheWorkSwapModelsTogetherAndFailOver() throws Exception {
    ModelSpec spec = new ModelSpec(3, 6, 1, Task.BINARY);
    try (LoopHarness h = new LoopHarness(spec, 4, false, 0, 1, 0.01f, 8, 1000)) {
      CellstreamService a = h.startService("a");
      CellstreamService b = h.startService("b");
      await().atMost(Duration.ofSeconds(60)).until(() -> a.isReady() && b.isReady());
      await().atMost(Duration.ofSeconds(60)).until(() -> activeTasks(a) > 0 && activeTasks(b) > 0);

      List<Event> all = LoopHarness.stream(h, 16, 30, 9, null);
      List<Event> first = all.subList(0, 160);
      List<Event> second = all.subList(160, 320);
      List<Event> third = all.subList(320, 480);

      // Hand run: version 1 for the first part, version 2 afterwards, one memory per entity throughout.
      Model v1 = Model.of(Init.uniform(spec, h.settings.seed(), h.settings.forgetBias()), 1, 0, 0);
      Model v2 = Model.of(Init.uniform(spec, 777, 0.0f), 2, System.currentTimeMillis(), 0);
      LstmKernel kernel = LstmKernels.get();
      StepWorkspace ws = kernel.newWorkspace(spec);
      Map<String, float[][]> states = new HashMap<>();
      Map<String, float[]> expected = new HashMap<>();
      for (Event e : all) {
        float[][] s = states.computeIfAbsent(e.getEntityId(), k -> new float[][] {new float[6], new float[6]});
        float[] x = {e.getFeatures().get(0), e.getFeatures().get(1), e.getFeatures().get(2)};
        float[] y = new float[1];
        kernel.step(all.indexOf(e) < 160 ? v1 : v2, x, 0, s[0], s[1], null, y, ws);
        expected.put(e.getEventId(), y);
      }

      first.forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> h.predictions().size() >= 160);

      h.publishModel(new ModelVersion("m", v2, "trained", 1L, null));
      await().atMost(Duration.ofSeconds(30)).until(() -> a.models().current().version() == 2 && b.models().current().version() == 2);

      second.forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> h.predictions().size() >= 320);
      assertThat(a.metrics().predictions()).isPositive();
      assertThat(b.metrics().predictions()).isPositive();

      a.close(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> activeTasks(b) == 4 + 1);
      third.forEach(h::send);
      h.flush();
      await().atMost(Duration.ofSeconds(90)).until(() -> h.predictions().size() >= 480);

      List<Prediction> preds = h.predictions();
      assertThat(preds).hasSize(480);
      assertThat(preds.stream().map(Prediction::getEventId).distinct().count()).isEqualTo(480);
      for (Prediction p : preds) {
        assertThat(LoopHarness.outputs(p)).as("prediction for %s", p.getEventId()).containsExactly(expected.get(p.getEventId()));
        assertThat(p.getModelVersion()).isEqualTo(firstPart(first, p.getEventId()) ? 1L : 2L);
      }
    }
  }

  private static boolean firstPart(List<Event> first, String eventId) {
    return first.stream().anyMatch(e -> e.getEventId().equals(eventId));
  }

  /** Active tasks of an instance (4 event/label partitions + the trainer's one partition in all). */
  private static int activeTasks(CellstreamService s) {
    int n = 0;
    for (ThreadMetadata t : s.streams().metadataForLocalThreads()) {
      n += t.activeTasks().size();
    }
    return n;
  }
}
