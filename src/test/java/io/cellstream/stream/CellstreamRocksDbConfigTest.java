package io.cellstream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.Options;

class CellstreamRocksDbConfigTest {

  private static Map<String, Object> configs(String app) {
    Map<String, Object> c = new HashMap<>();
    c.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    c.put(StreamsConfig.STATE_DIR_CONFIG, "/state/" + app);
    c.put(CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG, String.valueOf(64L << 20));
    c.put(CellstreamRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG, String.valueOf(8L << 20));
    return c;
  }

  /** Options as Kafka Streams hands them to a config setter: its own block-based table config already set. */
  private static Options streamsOptions() {
    Options o = new Options();
    BlockBasedTableConfig t = new BlockBasedTableConfig();
    t.setBlockSize(4096);
    o.setTableFormatConfig(t);
    o.setOptimizeFiltersForHits(true);
    return o;
  }

  @Test
  void theOptionsAreTunedForPointLookupsOfSmallValues() {
    int before = CellstreamRocksDbConfig.openCaches();
    CellstreamRocksDbConfig setter = new CellstreamRocksDbConfig();
    try (Options o = streamsOptions()) {
      setter.setConfig("entity-state", o, configs("tuned"));
      BlockBasedTableConfig t = (BlockBasedTableConfig) o.tableFormatConfig();
      assertThat(t.cacheIndexAndFilterBlocks()).as("index and filters in the table readers").isFalse();
      assertThat(t.filterPolicy()).isNotNull();
      assertThat(t.wholeKeyFiltering()).isTrue();
      assertThat(t.dataBlockIndexType()).isEqualTo(DataBlockIndexType.kDataBlockBinaryAndHash);
      assertThat(t.blockSize()).isEqualTo(4096); // Kafka Streams' own, kept
      assertThat(o.optimizeFiltersForHits()).as("filters on the last level too").isFalse();
      assertThat(o.compressionType()).isEqualTo(CompressionType.NO_COMPRESSION);
      assertThat(o.memtableWholeKeyFiltering()).isTrue();
      assertThat(o.memtablePrefixBloomSizeRatio()).isPositive();
      assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before + 1);
      setter.close("entity-state", o);
    }
    assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before);
  }

  @Test
  void theStoresOfOneInstanceShareOneCacheClosedWithTheLast() {
    int before = CellstreamRocksDbConfig.openCaches();
    CellstreamRocksDbConfig a = new CellstreamRocksDbConfig();
    CellstreamRocksDbConfig b = new CellstreamRocksDbConfig();
    CellstreamRocksDbConfig other = new CellstreamRocksDbConfig();
    try (Options oa = streamsOptions(); Options ob = streamsOptions(); Options oc = streamsOptions()) {
      a.setConfig("entity-state", oa, configs("shared"));
      b.setConfig("held-label-deadlines", ob, configs("shared"));
      assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before + 1);
      assertThat(CellstreamRocksDbConfig.stores("shared|/state/shared")).containsExactlyInAnyOrder("entity-state", "held-label-deadlines");
      other.setConfig("entity-state", oc, configs("another-instance"));
      assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before + 2);
      a.close("entity-state", oa);
      assertThat(CellstreamRocksDbConfig.openCaches()).as("b still uses it").isEqualTo(before + 2);
      b.close("held-label-deadlines", ob);
      other.close("entity-state", oc);
    }
    assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before);
  }

  @Test
  void theServiceConfigurationAppliesItToEveryStoreOfTheTopology() {
    // The Kafka Streams settings the service runs with by default, on the real topology under TopologyTestDriver.
    io.cellstream.config.CellstreamConfig config = io.cellstream.config.CellstreamConfig.from(
        new io.cellstream.config.Settings().withDefaults(io.cellstream.config.CellstreamConfig.defaults()));
    Map<String, String> streams = new HashMap<>();
    config.stateStore().streamsProperties().forEach((k, v) -> streams.put(k, config.kafka().getProperty(k)));
    assertThat(streams).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CellstreamRocksDbConfig.class.getName());
    int before = CellstreamRocksDbConfig.openCaches();
    String stateDir;
    try (TopologyFixture f = new TopologyFixture(TopologyFixture.small(true), RecordLimits.kafkaDefaults(), streams)) {
      stateDir = f.stateDir();
      assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before + 1);
      assertThat(CellstreamRocksDbConfig.stores("ttd|" + stateDir)).as("one shared cache for every RocksDB store")
          .contains(CellstreamTopology.ENTITY_STORE, CellstreamTopology.HELD_LABELS_STORE, CellstreamTopology.TRAINER_STORE);
    }
    assertThat(CellstreamRocksDbConfig.stores("ttd|" + stateDir)).isEmpty();
    assertThat(CellstreamRocksDbConfig.openCaches()).isEqualTo(before);
  }

  @Test
  void withoutItsSizesItRefusesToGuess() {
    Map<String, Object> c = configs("unsized");
    c.remove(CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG);
    try (Options o = streamsOptions()) {
      assertThatThrownBy(() -> new CellstreamRocksDbConfig().setConfig("s", o, c))
          .hasMessageContaining(CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG);
    }
  }
}
