/**
 * The infrastructure the demo, {@code run --embedded} and the integration tests start on this machine,
 * all on 127.0.0.1 only.
 *
 * <ul>
 *   <li>{@link io.cellstream.embedded.EmbeddedKafka}: a real Kafka 4.4 KRaft node (broker and
 *       controller) in this JVM; replication factor 1, transactions work.</li>
 *   <li>{@link io.cellstream.embedded.EmbeddedSchemaRegistry}: Apicurio Registry 3.3.3 as a child JVM,
 *       its Confluent-compatible API at {@code url()}; never outlives this JVM.</li>
 *   <li>{@link io.cellstream.embedded.EmbeddedStack}: both, started in parallel, closed together, with one
 *       directory for the broker's log, Kafka Streams' state and the logs: private and temporary from
 *       {@code EmbeddedStack.start()}, kept across restarts from {@code EmbeddedStack.start(dataDir)}.</li>
 *   <li>{@link io.cellstream.embedded.ApicurioDistribution}: finds the registry's archive (fetched from
 *       Maven Central by the build) and unpacks it once into a cache.</li>
 * </ul>
 */
package io.cellstream.embedded;
