package io.cellstream.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.state.TrainingExample;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleDedupTest {

  /** The trainer's store as a map: what a restart restores. */
  private static final class MapStore implements TrainerStore {
    final Map<String, byte[]> map = new HashMap<>();

    @Override
    public byte[] get(String key) {
      return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
      map.put(key, value);
    }

    @Override
    public void delete(String key) {
      map.remove(key);
    }
  }

  private static TrainingExample example(String entity, long step, String eventId) {
    return new TrainingExample(entity, eventId, step, 0L, 1L, 1, 1, 1, 1, new float[1], new float[1], new float[1],
        new float[1], new boolean[] {true}, new float[1]);
  }

  @Test
  void anExampleLearnedFromIsSeenAgainByEntityStepAndEvent() {
    ExampleDedup d = new ExampleDedup(new MapStore(), 10);
    TrainingExample e = example("card-1", 5, "ev-5");
    assertThat(d.seen(e)).isFalse();
    d.remember(e);
    assertThat(d.seen(example("card-1", 5, "ev-5"))).isTrue();
    assertThat(d.seen(example("card-2", 5, "ev-5"))).as("another entity").isFalse();
    assertThat(d.seen(example("card-1", 6, "ev-5"))).as("another step").isFalse();
    assertThat(d.seen(example("card-1", 5, "ev-x"))).as("a memory that started afresh: another event at step 5").isFalse();
  }

  @Test
  void itSurvivesARestoreOfTheStore() {
    MapStore store = new MapStore();
    ExampleDedup before = new ExampleDedup(store, 10);
    before.remember(example("a", 1, "a1"));
    before.remember(example("b", 1, "b1"));
    ExampleDedup after = new ExampleDedup(store, 10); // a restart or a failover: the same store, restored
    assertThat(after.seen(example("a", 1, "a1"))).isTrue();
    assertThat(after.seen(example("b", 1, "b1"))).isTrue();
    assertThat(after.remembered()).isEqualTo(2);
  }

  @Test
  void anEntryWhoseCountWasNotStoredDoesNotCount() {
    // The crash cut the writes after the entry, before dedup/next (written last, after the trainer's own writes):
    // the trainer's learning of the example may be lost with it, so the example must be learned from again.
    MapStore store = new MapStore();
    ExampleDedup d = new ExampleDedup(store, 10);
    d.remember(example("a", 1, "a1"));
    byte[] next = store.get(ExampleDedup.KEY_NEXT);
    d.remember(example("a", 2, "a2"));
    store.put(ExampleDedup.KEY_NEXT, next);
    ExampleDedup restored = new ExampleDedup(store, 10);
    assertThat(restored.seen(example("a", 1, "a1"))).isTrue();
    assertThat(restored.seen(example("a", 2, "a2"))).isFalse();
    restored.remember(example("a", 2, "a2"));
    assertThat(restored.seen(example("a", 2, "a2"))).isTrue();
  }

  @Test
  void itKeepsTheNewestCapacityExamplesAndNoMoreKeys() {
    MapStore store = new MapStore();
    ExampleDedup d = new ExampleDedup(store, 3);
    for (int i = 0; i < 10; i++) {
      d.remember(example("a", i, "a" + i));
    }
    for (int i = 0; i < 7; i++) {
      assertThat(d.seen(example("a", i, "a" + i))).as("step %d forgotten", i).isFalse();
    }
    for (int i = 7; i < 10; i++) {
      assertThat(d.seen(example("a", i, "a" + i))).as("step %d kept", i).isTrue();
    }
    assertThat(store.map).as("3 entries, 3 ring slots, the count").hasSize(7);
  }

  @Test
  void capacityZeroRemembersNothing() {
    MapStore store = new MapStore();
    ExampleDedup d = new ExampleDedup(store, 0);
    d.remember(example("a", 1, "a1"));
    assertThat(d.seen(example("a", 1, "a1"))).isFalse();
    assertThat(store.map).isEmpty();
  }
}
