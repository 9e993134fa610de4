package io.cellstream.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cellstream.cli.ServiceRunner;
import io.cellstream.http.ServiceFixture.Memory;
import io.cellstream.http.ServiceFixture.Response;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.stream.CellstreamService;
import io.cellstream.stream.CellstreamTopology;
import io.cellstream.testing.SharedStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of one application (same application.id, each its own HTTP port announced as
 * application.server): whichever instance is asked answers any entity with the owner's state.
 */
@ExtendWith(SharedStackExtension.class)
class RoutingIT {

  private static final ModelSpec SPEC = new ModelSpec(2, 6, 1, Task.BINARY);

  @Test
  void eitherInstanceAnswersForEveryEntityWithTheOwnersState() throws Exception {
    try (ServiceFixture f = new ServiceFixture(SPEC, 4, Map.of())) {
      ServiceRunner a = f.start("a");
      ServiceRunner b = f.start("b");
      await().atMost(Duration.ofSeconds(90)).until(() -> a.service().isReady() && b.service().isReady()
          && partitionTasks(a.service()) > 0 && partitionTasks(b.service()) > 0
          && partitionTasks(a.service()) + partitionTasks(b.service()) == 4);
      assertThat(a.service().applicationServer()).isEqualTo("127.0.0.1:" + a.http().port());
      assertThat(b.service().applicationServer()).isEqualTo("127.0.0.1:" + b.http().port());

      List<String> entities = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        entities.add("device-" + i);
      }
      SplittableRandom r = new SplittableRandom(17);
      for (int n = 0; n < 5; n++) {
        for (String e : entities) {
          f.send(f.event(e, new float[] {(float) r.nextGaussian(), (float) r.nextGaussian()}, null));
        }
      }
      f.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> f.predictions().size() >= entities.size() * 5);

      Map<String, Memory> expected = f.expectedWithVersion1();
      Set<String> owners = new HashSet<>();
      int forwarded = 0;
      for (String id : entities) {
        KeyQueryMetadata md = a.service().streams().queryMetadataForKey(CellstreamTopology.ENTITY_STORE, id,
            new StringSerializer());
        String owner = md.activeHost().host() + ":" + md.activeHost().port();
        owners.add(owner);
        Response viaA = f.get(a, "/entities/" + id + "?full=true");
        Response viaB = f.get(b, "/entities/" + id + "?full=true");
        assertThat(viaA.status()).as("%s via a", id).isEqualTo(200);
        assertThat(viaB.status()).as("%s via b", id).isEqualTo(200);
        assertThat(viaA.json()).as("the same answer from both instances").isEqualTo(viaB.json());
        assertThat(viaA.json().get("servedBy").asText()).isEqualTo(owner);
        assertThat(viaA.header(HttpApi.SERVED_BY_HEADER)).isEqualTo(owner);
        assertThat(viaB.header(HttpApi.SERVED_BY_HEADER)).isEqualTo(owner);
        forwarded += owner.equals(a.service().applicationServer()) ? 0 : 1;

        JsonNode s = viaB.json();
        assertThat(s.get("eventsSeen").asLong()).isEqualTo(5);
        JsonNode h = s.get("h").get("values");
        for (int j = 0; j < SPEC.hiddenSize(); j++) {
          assertThat(h.get(j).asDouble()).isCloseTo(expected.get(id).h()[j], within(1e-6));
        }
      }
      assertThat(owners).as("both instances own some entities").containsExactlyInAnyOrder(
          a.service().applicationServer(), b.service().applicationServer());
      assertThat(forwarded).isPositive().isLessThan(entities.size());

      // An unknown entity is a 404 from its owner, forwarded as is.
      for (String id : List.of("ghost-1", "ghost-2", "ghost-3", "ghost-4")) {
        assertThat(f.get(a, "/entities/" + id).status()).isEqualTo(404);
        assertThat(f.get(b, "/entities/" + id).status()).isEqualTo(404);
      }
      // No token configured: model admin is refused outright, whatever is presented.
      Response refused = f.post(a, "/model/rollback?version=1", "any-token-at-all-0123456789");
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().get("error").asText()).contains("cellstream.admin.token");
    }
  }

  /** Active tasks of the events/labels sub-topology (topic group 0), not the trainer's. */
  private static int partitionTasks(CellstreamService s) {
    int n = 0;
    for (ThreadMetadata t : s.streams().metadataForLocalThreads()) {
      n += (int) t.activeTasks().stream().filter(task -> task.taskId().subtopology() == 0).count();
    }
    return n;
  }
}
