package io.cellstream.stream;

import io.cellstream.serde.RegisteredSchema;
import io.cellstream.serde.SchemaRegistry;
import java.util.List;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's schema registry, with every call that is under way recorded in the {@link ServiceHealth}: a call
 * that has not come back within {@link ServiceHealth#SLOW_CALL_MS} makes the instance not ready at once, not only
 * when the client's timeouts and retries (up to half a minute against a registry that accepts connections but
 * does not answer) have run out. Only cache misses reach it (the serdes cache ids and schemas), so the per-event
 * path pays nothing.
 */
public final class WatchedSchemaRegistry implements SchemaRegistry {

  /** A call this slow is logged (it held a stream thread up). */
  static final long SLOW_CALL_LOG_MS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(WatchedSchemaRegistry.class);

  private final SchemaRegistry registry;
  private final ServiceHealth health;

  public WatchedSchemaRegistry(SchemaRegistry registry, ServiceHealth health) {
    this.registry = registry;
    this.health = health;
  }

  private <T> T watch(String what, Supplier<T> call) {
    long id = health.callStarted("schema registry", what);
    long t0 = System.nanoTime();
    try {
      return call.get();
    } finally {
      health.callEnded(id);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (ms >= SLOW_CALL_LOG_MS) {
        log.warn("the schema registry took {} ms to {}; {} waited for it", ms, what, Thread.currentThread().getName());
      }
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    return watch("register a schema under " + subject, () -> registry.register(subject, schema));
  }

  @Override
  public int lookupId(String subject, Schema schema) {
    return watch("look up a schema under " + subject, () -> registry.lookupId(subject, schema));
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    return watch("look up a schema under " + subject, () -> registry.lookup(subject, schema));
  }

  @Override
  public Schema schemaById(int id) {
    return watch("fetch schema " + id, () -> registry.schemaById(id));
  }

  @Override
  public RegisteredSchema latest(String subject) {
    return watch("read the latest version of " + subject, () -> registry.latest(subject));
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    return watch("read version " + version + " of " + subject, () -> registry.version(subject, version));
  }

  @Override
  public List<Integer> versions(String subject) {
    return watch("list the versions of " + subject, () -> registry.versions(subject));
  }

  @Override
  public List<String> subjects() {
    return watch("list the subjects", registry::subjects);
  }

  @Override
  public String compatibility(String subject) {
    return watch("read the compatibility of " + subject, () -> registry.compatibility(subject));
  }

  @Override
  public void setCompatibility(String subject, String level) {
    watch("set the compatibility of " + subject, () -> {
      registry.setCompatibility(subject, level);
      return null;
    });
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    return watch("check compatibility under " + subject, () -> registry.isCompatible(subject, schema));
  }

  @Override
  public void close() {
    registry.close();
  }
}
