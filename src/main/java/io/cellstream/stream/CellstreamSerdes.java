package io.cellstream.stream;

import io.cellstream.avro.DeadLetter;
import io.cellstream.avro.Event;
import io.cellstream.avro.Label;
import io.cellstream.avro.ModelSnapshot;
import io.cellstream.avro.Prediction;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SchemaRegistry;

/**
 * The Avro serdes of the loop's topics, sharing one schema-registry client (and its caches); the client itself for
 * the user's own Avro records ({@link io.cellstream.serde.GenericAvroReader}).
 */
public record CellstreamSerdes(
    AvroSerde<Event> events,
    AvroSerde<Label> labels,
    AvroSerde<Prediction> predictions,
    AvroSerde<DeadLetter> deadLetters,
    AvroSerde<ModelSnapshot> models,
    SchemaRegistry registry) {

  public static CellstreamSerdes using(SchemaRegistry registry) {
    return new CellstreamSerdes(
        new AvroSerde<>(Event.class, registry),
        new AvroSerde<>(Label.class, registry),
        new AvroSerde<>(Prediction.class, registry),
        new AvroSerde<>(DeadLetter.class, registry),
        new AvroSerde<>(ModelSnapshot.class, registry),
        registry);
  }

  /** A reader of input records as {@code settings} map them (one per stream task: it reuses its buffers). */
  public io.cellstream.input.InputReader inputReader(StreamSettings settings) {
    return new io.cellstream.input.InputReader(settings.mapping(), settings.spec(), settings.input(), registry, events,
        labels);
  }
}
