package io.cellstream.serde;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;

/**
 * A {@link SchemaRegistry} that counts the calls made to it and passes them on: shows what the serde asks of any
 * registry, whatever that registry caches itself.
 */
final class CountingSchemaRegistry implements SchemaRegistry {

  private final SchemaRegistry delegate;
  private final AtomicLong calls = new AtomicLong();

  CountingSchemaRegistry(SchemaRegistry delegate) {
    this.delegate = delegate;
  }

  /** Calls so far, of any operation. */
  long calls() {
    return calls.get();
  }

  @Override
  public int register(String subject, Schema schema) {
    calls.incrementAndGet();
    return delegate.register(subject, schema);
  }

  @Override
  public int lookupId(String subject, Schema schema) {
    calls.incrementAndGet();
    return delegate.lookupId(subject, schema);
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    calls.incrementAndGet();
    return delegate.lookup(subject, schema);
  }

  @Override
  public Schema schemaById(int id) {
    calls.incrementAndGet();
    return delegate.schemaById(id);
  }

  @Override
  public RegisteredSchema latest(String subject) {
    calls.incrementAndGet();
    return delegate.latest(subject);
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    calls.incrementAndGet();
    return delegate.version(subject, version);
  }

  @Override
  public List<Integer> versions(String subject) {
    calls.incrementAndGet();
    return delegate.versions(subject);
  }

  @Override
  public List<String> subjects() {
    calls.incrementAndGet();
    return delegate.subjects();
  }

  @Override
  public String compatibility(String subject) {
    calls.incrementAndGet();
    return delegate.compatibility(subject);
  }

  @Override
  public void setCompatibility(String subject, String level) {
    calls.incrementAndGet();
    delegate.setCompatibility(subject, level);
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    calls.incrementAndGet();
    return delegate.isCompatible(subject, schema);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
