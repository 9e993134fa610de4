package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cellstream.serde.SchemaRegistryException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The wait for a schema registry that does not answer: retried with backoff while the trouble is transient, said
 * in the health while it lasts, given up on only when the instance closes; an answer that blames the request
 * itself (auth, a wrong URL) is not waited for. The real registry paused with SIGSTOP is ChaosIT's.
 */
class RegistryRetryTest {

  private static SchemaRegistryException noAnswer() {
    return new SchemaRegistryException("schema registry did not answer GET /schemas/ids/7: timed out", 0, 0, null, null);
  }

  @Test
  void transientFailuresAreWaitedOutAndTheHealthSaysSoMeanwhile() throws Exception {
    ServiceHealth health = new ServiceHealth();
    StreamMetrics metrics = StreamMetrics.inMemory();
    RegistryRetry retry = new RegistryRetry(health, metrics);
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> retry.call("read a schema", () -> {
      if (calls.incrementAndGet() <= 4) {
        throw noAnswer();
      }
      return "schema";
    }));
    await().atMost(Duration.ofSeconds(10)).until(() -> health.problem() != null);
    assertThat(health.problem()).contains("waits for the schema registry").contains("timed out");
    assertThat(answer.get()).isEqualTo("schema");
    assertThat(calls.get()).isEqualTo(5);
    assertThat(metrics.registryRetries()).isEqualTo(4);
    assertThat(health.problem()).as("recovered").isNull();
  }

  @Test
  void anAnswerThatBlamesTheRequestIsNotWaitedFor() {
    RegistryRetry retry = new RegistryRetry(new ServiceHealth(), StreamMetrics.inMemory());
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> retry.call("read a schema", () -> {
      calls.incrementAndGet();
      throw new SchemaRegistryException("401", 401, 0, "unauthorized", null);
    })).isInstanceOf(SchemaRegistryException.class);
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void closingEndsTheWaitAndLeavesTheRecordToBeRedone() {
    ServiceHealth health = new ServiceHealth();
    RegistryRetry retry = new RegistryRetry(health, StreamMetrics.inMemory());
    CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> retry.call("read a schema", () -> {
      throw noAnswer();
    }));
    await().atMost(Duration.ofSeconds(10)).until(() -> health.problem() != null);
    health.closing();
    await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
    assertThat(waiting).isCompletedExceptionally();
    assertThatThrownBy(waiting::join).hasCauseInstanceOf(RegistryRetry.ClosingException.class);
    assertThat(health.problem()).isNull();
  }
}
