package io.cellstream.stream;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * RocksDB tuned for what the entity store does: a point lookup and a point write of a small value (hundreds of
 * bytes to a few KB) per event, never a range scan on the hot path, within a memory budget
 * ({@link StateStoreSettings}). Applied to every RocksDB store of the instance through
 * {@code rocksdb.config.setter}.
 *
 * <ul>
 *   <li><b>One block cache for the instance</b>, of {@value #BLOCK_CACHE_BYTES_CONFIG} bytes, shared by every store
 *       and partition (Kafka Streams' default is 50 MB per store, so memory grows with the partitions an instance
 *       happens to run).</li>
 *   <li><b>Index and filter blocks outside it</b>, in the table readers (Kafka Streams' default too): about 6 MB
 *       per million entities, against the cache lookups every get would otherwise add for its index and filter
 *       block. With them in the cache, two runs measured 10% more stream-thread CPU per event at 300k and 1M
 *       entities (docs/benchmarks.md).</li>
 *   <li><b>Memtables charged to that cache</b> through one {@code WriteBufferManager} of
 *       {@value #WRITE_BUFFER_BYTES_CONFIG} bytes: the write side stays within the budget as well.</li>
 *   <li><b>Bloom filters on every level</b> (10 bits per key, full filters): a get consults one sorted run's data
 *       only. Kafka Streams turns on {@code optimize_filters_for_hits}, which drops the filter of the last level; that
 *       saves little memory here (1.25 MB per million entities) and makes the lookup of a new entity, a miss, read an
 *       index and a data block of the largest run. Every first event of an entity is such a miss.</li>
 *   <li><b>A hash index inside each data block</b> ({@code kDataBlockBinaryAndHash}): a point lookup inside a
 *       4 KB block is a hash probe instead of a binary search over its restart points.</li>
 *   <li><b>No compression</b>: values are mostly float32 state, which compresses poorly, and a value is read on
 *       almost every event; compressing would spend CPU on both paths for little space (Kafka Streams' default
 *       too, set again here so that it holds whatever the default becomes).</li>
 *   <li>Whole-key filtering in the memtable too, so a get for a key not written recently skips the memtable
 *       search.</li>
 * </ul>
 *
 * <p>Compaction stays Kafka Streams' universal style: its lower write amplification matters more on a busy machine
 * than the one extra sorted run a lookup may check (each behind its filter).
 */
public final class CellstreamRocksDbConfig implements RocksDBConfigSetter {

  /** Bytes of the block cache the instance's stores share. Set by {@link StateStoreSettings#streamsProperties()}. */
  public static final String BLOCK_CACHE_BYTES_CONFIG = "rocksdb.cellstream.block.cache.bytes";
  /** Bytes of memtables of all the instance's stores together, charged to the block cache. */
  public static final String WRITE_BUFFER_BYTES_CONFIG = "rocksdb.cellstream.write.buffer.bytes";

  static final double BLOOM_BITS_PER_KEY = 10;
  static final double DATA_BLOCK_HASH_UTIL_RATIO = 0.75;
  static final double MEMTABLE_PREFIX_BLOOM_RATIO = 0.02;

  /** A cache and its write-buffer manager, shared by the stores of one instance (application id and state dir). */
  static final class Shared {
    final Cache cache;
    final WriteBufferManager writeBuffers;
    final long cacheBytes;
    final long writeBufferBytes;
    final java.util.List<String> stores = new java.util.ArrayList<>();

    Shared(long cacheBytes, long writeBufferBytes) {
      this.cacheBytes = cacheBytes;
      this.writeBufferBytes = writeBufferBytes;
      // -1: RocksDB picks the shard count; false: not strict (a block being read never fails for want of room).
      this.cache = new LRUCache(cacheBytes, -1, false);
      this.writeBuffers = new WriteBufferManager(writeBufferBytes, cache);
    }
  }

  private static final Map<String, Shared> SHARED = new HashMap<>();

  private String sharedKey;
  private String storeName;
  private BloomFilter filter;

  /** The instance's shared cache (created by its first store, closed with its last). */
  static synchronized Shared acquire(String key, String store, long cacheBytes, long writeBufferBytes) {
    Shared s = SHARED.get(key);
    if (s == null) {
      s = new Shared(cacheBytes, writeBufferBytes);
      SHARED.put(key, s);
    }
    s.stores.add(store);
    return s;
  }

  static synchronized void release(String key, String store) {
    Shared s = SHARED.get(key);
    if (s != null && s.stores.remove(store) && s.stores.isEmpty()) {
      SHARED.remove(key);
      s.writeBuffers.close();
      s.cache.close();
    }
  }

  /** Instances with a cache open in this JVM (for tests). */
  static synchronized int openCaches() {
    return SHARED.size();
  }

  /** The stores using the cache of the instance {@code applicationId|stateDir} (for tests). */
  static synchronized java.util.List<String> stores(String key) {
    Shared s = SHARED.get(key);
    return s == null ? java.util.List.of() : java.util.List.copyOf(s.stores);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    long cacheBytes = bytes(configs, BLOCK_CACHE_BYTES_CONFIG);
    long writeBufferBytes = bytes(configs, WRITE_BUFFER_BYTES_CONFIG);
    sharedKey = configs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "|" + configs.get(StreamsConfig.STATE_DIR_CONFIG);
    this.storeName = storeName;
    Shared shared = acquire(sharedKey, storeName, cacheBytes, writeBufferBytes);

    // Kafka Streams' own table config (it keeps a handle on its cache for metrics): change it, never replace it.
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(shared.cache);
    table.setCacheIndexAndFilterBlocks(false);
    filter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
    table.setFilterPolicy(filter);
    table.setWholeKeyFiltering(true);
    table.setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash);
    table.setDataBlockHashTableUtilRatio(DATA_BLOCK_HASH_UTIL_RATIO);
    options.setTableFormatConfig(table);
    options.setOptimizeFiltersForHits(false);
    options.setCompressionType(CompressionType.NO_COMPRESSION);
    options.setMemtableWholeKeyFiltering(true);
    options.setMemtablePrefixBloomSizeRatio(MEMTABLE_PREFIX_BLOOM_RATIO);
    options.setWriteBufferManager(shared.writeBuffers);
  }

  @Override
  public void close(String storeName, Options options) {
    if (filter != null) {
      filter.close();
      filter = null;
    }
    if (sharedKey != null) {
      release(sharedKey, this.storeName);
      sharedKey = null;
    }
  }

  private static long bytes(Map<String, Object> configs, String key) {
    Object v = configs.get(key);
    if (v == null) {
      throw new IllegalStateException(key + " is not set: " + CellstreamRocksDbConfig.class.getSimpleName()
          + " is configured through StateStoreSettings (cellstream.state.memory-budget-mb)");
    }
    try {
      long b = Long.parseLong(v.toString().trim());
      if (b <= 0) {
        throw new NumberFormatException();
      }
      return b;
    } catch (NumberFormatException e) {
      throw new IllegalStateException(key + " must be a positive number of bytes, got '" + v + "'");
    }
  }
}
