package io.cellstream.stream;

import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.EntityState;
import io.cellstream.state.EntityStateCodec;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How much memory one instance's state stores may use and how it is split, derived from a budget and the number
 * of entities the instance is expected to hold ({@code cellstream.state.memory-budget-mb},
 * {@code cellstream.state.expected-entities}).
 *
 * <p>Two caches sit in front of an entity's memory on disk:
 * <ul>
 *   <li>Kafka Streams' <b>record cache</b> ({@code statestore.cache.max.bytes}, on the heap): a hit costs no JNI
 *       call, no RocksDB lookup and no copy, and several events of one entity within a commit interval become one
 *       RocksDB write and one changelog record. It gets either the whole expected working set (every entity's
 *       entry), when that fits in {@value #RECORD_CACHE_MAX_SHARE_PERCENT}% of the budget, or Kafka Streams' 10 MB.
 *       Nothing in between: a record cache that holds only part of the memories costs more than it saves under
 *       uniform access. Every lookup walks a tree of hundreds of thousands of cached keys, cache-missing at each
 *       level, and most lookups then miss anyway. An eviction writes out every dirty entry at once, and the entries
 *       live long enough to be promoted and collected as old garbage. Measured at E = 1M with a 256 MB cache: 65
 *       µs of stream-thread CPU per event against 58 with 10 MB, and twice the GC (docs/benchmarks.md).</li>
 *   <li>RocksDB's <b>block cache</b> (off the heap), one per instance shared by every store
 *       ({@link CellstreamRocksDbConfig}): the rest of the budget. The memtables are charged to it (a
 *       {@code WriteBufferManager} capped at {@link #writeBufferBytes}), so RocksDB stays within it however many
 *       stores and partitions the instance runs. Kafka Streams' own default is a 50 MB cache and up to 48 MB of
 *       memtables per store, unbounded in total.</li>
 * </ul>
 *
 * <p>A budget of 0 keeps Kafka Streams' own defaults (no config setter, the 10 MB record cache). Settings given
 * explicitly ({@code statestore.cache.max.bytes}, {@code rocksdb.config.setter}) win over the derived ones.
 *
 * @param memoryBudgetBytes the whole budget: record cache + block cache (with memtables, index and filters)
 * @param expectedEntities  entities this instance holds (the total divided by the instances sharing the work)
 * @param entityValueBytes  the stored size of one entity's memory (an estimate: {@link #estimatedValueBytes})
 * @param recordCacheBytes  Kafka Streams' record cache, for all stream threads together
 * @param blockCacheBytes   RocksDB's block cache shared by the instance's stores
 * @param writeBufferBytes  the memtables of all stores together, charged to the block cache
 * @param entitiesCached    whether the entity store is behind the record cache (not in low-latency delivery, which
 *                          writes each memory through before its prediction goes out)
 */
public record StateStoreSettings(long memoryBudgetBytes, long expectedEntities, int entityValueBytes,
    long recordCacheBytes, long blockCacheBytes, long writeBufferBytes, boolean entitiesCached) {

  /** The share of the budget the working set may take to be cached whole in the record cache. */
  static final int RECORD_CACHE_MAX_SHARE_PERCENT = 50;
  /**
   * Heap bytes per record-cache entry beyond the value: the key (a short id), Kafka Streams' LRU node, its
   * TreeMap entry and the record context it keeps for each entry.
   */
  public static final int CACHE_ENTRY_OVERHEAD_BYTES = 200;
  /** Kafka Streams' default record cache, the least the derivation gives it (if the budget allows). */
  static final long STREAMS_DEFAULT_RECORD_CACHE_BYTES = 10L << 20;
  private static final long MB = 1L << 20;

  /** No sizing: Kafka Streams' own defaults. */
  public static final StateStoreSettings KAFKA_STREAMS_DEFAULTS = new StateStoreSettings(0, 0, 0, 0, 0, 0, true);

  public StateStoreSettings {
    if (memoryBudgetBytes < 0 || expectedEntities < 0 || entityValueBytes < 0 || recordCacheBytes < 0
        || blockCacheBytes < 0 || writeBufferBytes < 0) {
      throw new IllegalArgumentException("state store sizes must be >= 0");
    }
  }

  /**
   * The split of {@code budgetBytes} for {@code entities} memories of {@code valueBytes} each: the record cache takes
   * the working set if it fits in {@value #RECORD_CACHE_MAX_SHARE_PERCENT}% of the budget, else Kafka Streams' 10 MB
   * (a quarter of a budget smaller than 40 MB); the block cache the rest; the memtables an eighth of the block
   * cache, between 8 and 128 MB, inside it.
   */
  public static StateStoreSettings derive(long budgetBytes, long entities, int valueBytes) {
    return derive(budgetBytes, entities, valueBytes, true);
  }

  /**
   * The same for an entity store that is not cached ({@code entitiesCached} false: low-latency delivery): the record
   * cache then serves only the trainer's store and stays at Kafka Streams' 10 MB, RocksDB gets the rest.
   */
  public static StateStoreSettings derive(long budgetBytes, long entities, int valueBytes, boolean entitiesCached) {
    if (budgetBytes == 0) {
      return KAFKA_STREAMS_DEFAULTS;
    }
    if (budgetBytes < 16 * MB) {
      throw new IllegalArgumentException("a state memory budget under 16 MB cannot hold RocksDB's memtables; got "
          + budgetBytes / MB + " MB (0 = Kafka Streams' defaults)");
    }
    long workingSet = entities * (valueBytes + (long) CACHE_ENTRY_OVERHEAD_BYTES);
    long most = budgetBytes * RECORD_CACHE_MAX_SHARE_PERCENT / 100;
    long least = Math.min(STREAMS_DEFAULT_RECORD_CACHE_BYTES, budgetBytes / 4);
    long recordCache = entitiesCached && workingSet <= most ? Math.max(least, workingSet) : least;
    long blockCache = budgetBytes - recordCache;
    long writeBuffers = Math.max(8 * MB, Math.min(128 * MB, blockCache / 8));
    return new StateStoreSettings(budgetBytes, entities, valueBytes, recordCache, blockCache, writeBuffers, entitiesCached);
  }

  /** True when the record cache holds every expected entity's memory. */
  public boolean recordCacheHoldsAll() {
    return entitiesCached && recordCacheBytes >= expectedEntities * (entityValueBytes + (long) CACHE_ENTRY_OVERHEAD_BYTES);
  }

  /** The stored size of an entity's memory for this shape with an ordinary history (ids of 16 bytes). */
  public static int estimatedValueBytes(ModelSpec spec, int windowSteps, int checkpointEvery, boolean keepGates) {
    return estimatedValueBytes(spec, windowSteps, checkpointEvery, keepGates, 0);
  }

  /** The same with {@code emissionsKept} predictions kept for re-emission (low-latency delivery). */
  public static int estimatedValueBytes(ModelSpec spec, int windowSteps, int checkpointEvery, boolean keepGates,
      int emissionsKept) {
    EntityState fresh = new EntityState(spec.inputSize(), spec.hiddenSize(), spec.outputSize(), 0, 1);
    fresh.hasGates = keepGates;
    fresh.keepEmissions(emissionsKept);
    float[] outputs = new float[spec.outputSize()];
    for (int i = 0; i < emissionsKept; i++) {
      fresh.recordEmission(i, 1, 0, i + 1, outputs);
    }
    long bare = EntityStateCodec.encodedSize(fresh);
    // A full window: W..W+k-1 steps of (time, labelled, id, inputs, prediction), a checkpoint (h, c) every k.
    long steps = windowSteps == 0 ? 0 : windowSteps + checkpointEvery - 1;
    long perStep = 8 + 1 + 2 + 16 + 4L * (spec.inputSize() + spec.outputSize());
    long checkpoints = windowSteps == 0 ? 0 : (steps + checkpointEvery - 1) / checkpointEvery;
    long departed = windowSteps == 0 ? 0 : 8L * (windowSteps + checkpointEvery); // hashes of ids that left it
    return (int) Math.min(Integer.MAX_VALUE, bare + steps * perStep + checkpoints * 8L * spec.hiddenSize() + departed);
  }

  /** These settings with another record cache and the rest of the budget to the block cache: to measure one change. */
  public StateStoreSettings withRecordCacheBytes(long bytes) {
    if (bytes >= memoryBudgetBytes) {
      throw new IllegalArgumentException("a record cache of " + bytes + " bytes leaves nothing of the budget for RocksDB");
    }
    long blockCache = memoryBudgetBytes - bytes;
    long writeBuffers = Math.max(8 * MB, Math.min(128 * MB, blockCache / 8));
    return new StateStoreSettings(memoryBudgetBytes, expectedEntities, entityValueBytes, bytes, blockCache, writeBuffers,
        entitiesCached);
  }

  /** True when these settings leave Kafka Streams' own defaults in place. */
  public boolean isKafkaStreamsDefault() {
    return memoryBudgetBytes == 0;
  }

  /**
   * The Kafka Streams settings that apply these sizes: the record cache, the config setter and what it reads.
   * Empty for Kafka Streams' defaults.
   */
  public Map<String, String> streamsProperties() {
    Map<String, String> m = new LinkedHashMap<>();
    if (isKafkaStreamsDefault()) {
      return m;
    }
    m.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, String.valueOf(recordCacheBytes));
    m.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CellstreamRocksDbConfig.class.getName());
    m.put(CellstreamRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG, String.valueOf(blockCacheBytes));
    m.put(CellstreamRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG, String.valueOf(writeBufferBytes));
    return m;
  }

  /** One line for the log and the benchmark's table. */
  public String describe() {
    if (isKafkaStreamsDefault()) {
      return "state stores: Kafka Streams' defaults (10 MB record cache, 50 MB block cache and 48 MB of memtables per store)";
    }
    return String.format(Locale.ROOT, "state stores: budget %,d MB for %,d entities of ~%,d B: record cache %,d MB (%s), "
        + "RocksDB block cache %,d MB shared (memtables up to %,d MB of it)", memoryBudgetBytes / MB, expectedEntities,
        entityValueBytes, recordCacheBytes / MB, !entitiesCached ? "the entity store is not cached in low-latency delivery"
            : recordCacheHoldsAll() ? "every memory" : "not all memories fit: Kafka Streams' 10 MB",
        blockCacheBytes / MB, writeBufferBytes / MB);
  }

  /** The figures as JSON values. */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("memoryBudgetBytes", memoryBudgetBytes);
    m.put("expectedEntities", expectedEntities);
    m.put("entityValueBytes", entityValueBytes);
    m.put("recordCacheBytes", recordCacheBytes);
    m.put("blockCacheBytes", blockCacheBytes);
    m.put("writeBufferBytes", writeBufferBytes);
    m.put("entitiesCached", entitiesCached);
    return m;
  }
}
