/**
 * Avro for cellstream's topics: the Confluent wire format through any registry that speaks the Confluent
 * REST API (Confluent Schema Registry, Apicurio's {@code /apis/ccompat/v7}), and a registry-free codec
 * for internal topics and stores.
 *
 * <ul>
 *   <li>{@link io.cellstream.serde.SchemaRegistry}: what the serdes and commands need from a registry;
 *       {@link io.cellstream.serde.SchemaRegistryClient} is its thin REST client, caches ids both ways,
 *       retries outages, basic auth, path prefixes, several URLs. (The tests add an in-memory one, held to
 *       the same contract.)</li>
 *   <li>{@link io.cellstream.serde.AvroSerde}: a Kafka {@code Serde} per generated class;
 *       TopicNameStrategy subjects; writer schema resolved against the class's schema on read.
 *       {@link io.cellstream.serde.AvroSerde#decode} throws {@link io.cellstream.serde.SerdeException}
 *       whose {@link io.cellstream.serde.SerdeException.Reason} is what a dead letter records; a registry
 *       outage is a {@link io.cellstream.serde.SchemaRegistryException} instead (not the record's
 *       fault: do not dead-letter, retry or fail).</li>
 *   <li>{@link io.cellstream.serde.AvroBinary}: Avro single-object encoding (fingerprint header) for
 *       internal topics and state; older schemas can be registered with it to keep old data readable.</li>
 *   <li>{@link io.cellstream.serde.WireFormat}: the 5-byte header, for tools and tests.</li>
 * </ul>
 *
 * <p>Keys are plain strings ({@code Serdes.String()}), not Avro. Decoding never trusts length prefixes:
 * corrupt bytes cannot make it allocate more than the record's size.
 */
package io.cellstream.serde;
