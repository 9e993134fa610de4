package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.lstm.Task;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StateStoreSettingsTest {

  private static final long MB = 1L << 20;

  @Test
  void aWorkingSetThatFitsGetsARecordCacheOfItsSizeAndRocksDbTheRest() {
    StateStoreSettings s = StateStoreSettings.derive(512 * MB, 100_000, 800);
    long workingSet = 100_000L * (800 + StateStoreSettings.CACHE_ENTRY_OVERHEAD_BYTES);
    assertThat(s.recordCacheBytes()).isEqualTo(workingSet);
    assertThat(s.recordCacheHoldsAll()).isTrue();
    assertThat(s.blockCacheBytes()).isEqualTo(512 * MB - workingSet);
    assertThat(s.recordCacheBytes() + s.blockCacheBytes()).isEqualTo(s.memoryBudgetBytes());
    // memtables are charged to the block cache, within it
    assertThat(s.writeBufferBytes()).isBetween(8 * MB, 128 * MB).isLessThan(s.blockCacheBytes());
  }

  @Test
  void aWorkingSetLargerThanHalfTheBudgetLeavesTheRecordCacheAtKafkaStreamsDefault() {
    // Part of the memories in the record cache costs more than it saves: all of them or the default 10 MB.
    StateStoreSettings s = StateStoreSettings.derive(512 * MB, 1_000_000, 800);
    assertThat(s.recordCacheBytes()).isEqualTo(10 * MB);
    assertThat(s.recordCacheHoldsAll()).isFalse();
    assertThat(s.blockCacheBytes()).isEqualTo(502 * MB);
    long justFits = 256 * MB / (800 + StateStoreSettings.CACHE_ENTRY_OVERHEAD_BYTES);
    assertThat(StateStoreSettings.derive(512 * MB, justFits, 800).recordCacheHoldsAll()).isTrue();
    assertThat(StateStoreSettings.derive(512 * MB, justFits + 1, 800).recordCacheBytes()).isEqualTo(10 * MB);
  }

  @Test
  void fewEntitiesStillGetKafkaStreamsDefaultRecordCache() {
    assertThat(StateStoreSettings.derive(512 * MB, 10, 800).recordCacheBytes()).isEqualTo(10 * MB);
    // ... unless the budget is too small for it: a quarter of the budget then
    assertThat(StateStoreSettings.derive(32 * MB, 10, 800).recordCacheBytes()).isEqualTo(8 * MB);
  }

  @Test
  void theMemtablesTakeAnEighthOfTheBlockCacheBetween8And128Mb() {
    assertThat(StateStoreSettings.derive(16 * MB, 1, 100).writeBufferBytes()).isEqualTo(8 * MB);
    assertThat(StateStoreSettings.derive(4096 * MB, 1, 100).writeBufferBytes()).isEqualTo(128 * MB);
    StateStoreSettings mid = StateStoreSettings.derive(512 * MB, 1, 100);
    assertThat(mid.writeBufferBytes()).isEqualTo(mid.blockCacheBytes() / 8);
  }

  @Test
  void anUncachedEntityStoreLeavesTheRecordCacheToTheTrainer() {
    StateStoreSettings s = StateStoreSettings.derive(512 * MB, 1_000, 800, false);
    assertThat(s.recordCacheBytes()).isEqualTo(10 * MB);
    assertThat(s.recordCacheHoldsAll()).isFalse();
    assertThat(s.describe()).contains("not cached in low-latency delivery");
  }

  @Test
  void anotherRecordCacheGivesTheRestOfTheBudgetToRocksDb() {
    StateStoreSettings s = StateStoreSettings.derive(512 * MB, 100_000, 800).withRecordCacheBytes(10 * MB);
    assertThat(s.recordCacheBytes()).isEqualTo(10 * MB);
    assertThat(s.blockCacheBytes()).isEqualTo(502 * MB);
    assertThat(s.writeBufferBytes()).isEqualTo(s.blockCacheBytes() / 8);
  }

  @Test
  void aBudgetOfZeroLeavesKafkaStreamsDefaults() {
    StateStoreSettings s = StateStoreSettings.derive(0, 1_000_000, 800);
    assertThat(s.isKafkaStreamsDefault()).isTrue();
    assertThat(s.streamsProperties()).isEmpty();
  }

  @Test
  void aBudgetTooSmallForTheMemtablesIsRefused() {
    assertThatThrownBy(() -> StateStoreSettings.derive(8 * MB, 1, 100)).hasMessageContaining("under 16 MB");
  }

  @Test
  void theStreamsPropertiesApplyTheSplit() {
    StateStoreSettings s = StateStoreSettings.derive(512 * MB, 100_000, 800);
    assertThat(s.streamsProperties())
        .containsEntry(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, String.valueOf(s.recordCacheBytes()))
        .containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CellstreamRocksDbConfig.class.getName())
        .containsEntry(CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG, String.valueOf(s.blockCacheBytes()))
        .containsEntry(CellstreamRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG, String.valueOf(s.writeBufferBytes()));
  }

  @Test
  void theValueEstimateIsTheCodecsSizeForABareMemory() {
    ModelSpec spec = new ModelSpec(16, 64, 1, Task.BINARY);
    for (boolean gates : new boolean[] {true, false}) {
      EntityState s = new EntityState(16, 64, 1, 0, 1);
      s.beginStep("event-0000000001", 1L, new float[16], 0);
      s.endStep(new float[1], gates ? new float[4 * 64] : null, 1, 1L);
      assertThat(StateStoreSettings.estimatedValueBytes(spec, 0, 1, gates)).isEqualTo(new EntityStateCodec().encode(s).length);
    }
  }

  @Test
  void theValueEstimateCountsThePredictionsKeptForLowLatencyDelivery() {
    ModelSpec spec = new ModelSpec(16, 64, 1, Task.BINARY);
    int r = Delivery.DEFAULT_KEPT_PREDICTIONS;
    assertThat(StateStoreSettings.estimatedValueBytes(spec, 0, 1, true, r) - StateStoreSettings.estimatedValueBytes(spec, 0, 1, true))
        .isEqualTo(r * (32 + 4));
  }

  @Test
  void theValueEstimateCoversAFullWindowOfSixteenByteIds() {
    ModelSpec spec = new ModelSpec(16, 32, 1, Task.BINARY);
    int w = 32;
    int k = 8;
    EntityState s = new EntityState(16, 32, 1, w, k);
    int largest = 0;
    for (int i = 0; i < 200; i++) {
      s.beginStep(String.format("event-%010d", i), i, new float[16], 0);
      s.endStep(new float[1], new float[4 * 32], 1, i);
      largest = Math.max(largest, new EntityStateCodec().encode(s).length);
    }
    int estimate = StateStoreSettings.estimatedValueBytes(spec, w, k, true);
    // an upper estimate (the fullest window), not far above the largest memory seen
    assertThat(estimate).isGreaterThanOrEqualTo(largest).isLessThan((int) (largest * 1.15));
  }
}
