package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.lstm.LstmKernels;
import io.cellstream.serde.InMemorySchemaRegistry;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The trainer learns from an example once, by (entity, step, event), also when it comes again after the trainer task
 * moved or restarted: the set it remembers is in the trainer's own store, restored with its parameters.
 */
class TrainerDedupTest {

  private final StreamSettings settings = TopologyFixture.small(true);
  private final CellstreamSerdes serdes = CellstreamSerdes.using(new InMemorySchemaRegistry());
  private final StreamMetrics metrics = StreamMetrics.inMemory();
  private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>(new Properties());

  TrainerDedupTest() {
    context.setCurrentStreamTimeMs(0);
    context.setCurrentSystemTimeMs(1_700_000_000_000L);
    for (String name : new String[] {CellstreamTopology.TRAINER_STORE, CellstreamTopology.MODELS_STORE}) {
      KeyValueStore<String, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
          Serdes.ByteArray()).withLoggingDisabled().build();
      s.init(context.getStateStoreContext(), s);
      context.addStateStore(s);
    }
  }

  private TrainerProcessor trainer() {
    RegistryRetry registry = new RegistryRetry(new ServiceHealth(), metrics);
    ModelRecords records = new ModelRecords(serdes.models(), settings.topics().models());
    TrainerProcessor t = new TrainerProcessor(settings, records, new InitialModel(settings, records), metrics,
        LstmKernels.get(), registry);
    t.init(context);
    return t;
  }

  private static byte[] example(String entity, long step) {
    // D = 3, H = 5, K = 1; two steps, the last labelled.
    return TrainingExampleCodec.encode(new TrainingExample(entity, entity + "-" + step, step, 0L, 1L, 2, 3, 5, 1,
        new float[5], new float[5], new float[] {0.1f, 0.2f, 0.3f, -0.1f, 0.5f, 0.2f}, new float[] {0f, 1f},
        new boolean[] {false, true}, new float[] {0.4f}));
  }

  private void send(TrainerProcessor t, byte[] value) {
    context.setRecordMetadata(settings.topics().trainingExamples(), 0, 0);
    t.process(new Record<>("e".getBytes(StandardCharsets.UTF_8), value, 0L));
  }

  @Test
  void anExampleThatComesAgainIsLearnedFromOnceAlsoAfterTheTrainerRestarted() {
    TrainerProcessor first = trainer();
    send(first, example("a", 4));
    send(first, example("a", 4)); // sent again by a step after a crash
    assertThat(metrics.examplesTaken()).isEqualTo(1);
    assertThat(metrics.examplesDuplicate()).isEqualTo(1);

    TrainerProcessor restored = trainer(); // the trainer task after a failover, over its restored store
    send(restored, example("a", 4));       // its input again from the last commit
    send(restored, example("a", 5));
    send(restored, example("b", 4));
    assertThat(metrics.examplesTaken()).as("a-5 and b-4 are new").isEqualTo(3);
    assertThat(metrics.examplesDuplicate()).isEqualTo(2);
  }
}
