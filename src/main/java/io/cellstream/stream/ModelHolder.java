package io.cellstream.stream;

import io.cellstream.lstm.ModelSpec;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model this instance predicts with. The global models store feeds it; every stream thread reads it once
 * per record, so a new version takes effect between two records, never within one.
 */
public final class ModelHolder {

  private static final Logger log = LoggerFactory.getLogger(ModelHolder.class);

  private final String name;
  private final ModelSpec spec;
  private final AtomicReference<ModelVersion> current = new AtomicReference<>();
  private final StreamMetrics metrics;

  public ModelHolder(String name, ModelSpec spec, StreamMetrics metrics) {
    this.name = name;
    this.spec = spec;
    this.metrics = metrics;
  }

  public String name() {
    return name;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** The newest version seen, or null before any. */
  public ModelVersion current() {
    return current.get();
  }

  /**
   * Takes {@code candidate} into use if it is newer than the current one and has the configured shape.
   * Returns whether it did.
   */
  public boolean offer(ModelVersion candidate) {
    if (!candidate.model().spec().equals(spec)) {
      log.error("ignoring model '{}' version {}: it is {} but this service is configured for {}; "
              + "use another cellstream.model.name or models topic for a model of another shape",
          name, candidate.version(), candidate.model().spec(), spec);
      return false;
    }
    while (true) {
      ModelVersion now = current.get();
      if (now != null && now.version() >= candidate.version()) {
        return false;
      }
      if (current.compareAndSet(now, candidate)) {
        log.info("model '{}' version {} in use ({}{})", name, candidate.version(), candidate.origin(),
            now == null ? "" : ", was " + now.version());
        metrics.modelInUse(candidate.version());
        return true;
      }
    }
  }
}
