package io.cellstream.bench.stream;

import io.cellstream.avro.Event;
import io.cellstream.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes benchmark events: Avro {@link Event}s keyed by entity id, D gaussian features from a fixed pool, the
 * current wall-clock time as record timestamp and event time (old timestamps would be deleted by retention at
 * once), and optionally an inline binary target that depends on the features (so that training has
 * something to learn).
 */
final class EventWriter implements AutoCloseable {

  private static final int POOL = 4096;

  private final KafkaProducer<byte[], byte[]> producer;
  private final AvroSerde<Event> serde;
  private final List<List<Float>> features = new ArrayList<>(POOL);
  private final float[] firstFeature = new float[POOL];
  private final SplittableRandom random;
  private final Event.Builder builder = Event.newBuilder();

  /**
   * @param client       bootstrap.servers and any client security settings
   * @param lowLatency   the paced producer: Kafka's default linger (5 ms) and batch size; else large batches for bulk loading
   */
  EventWriter(Map<String, Object> client, AvroSerde<Event> serde, int inputSize, long seed, boolean lowLatency) {
    Map<String, Object> p = new HashMap<>(client);
    p.remove("schema.registry.url");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, lowLatency ? 5 : 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, lowLatency ? 16384 : 262144);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-stream-" + (lowLatency ? "paced" : "loader") + "-" + seed);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.serde = serde;
    this.random = new SplittableRandom(seed);
    for (int i = 0; i < POOL; i++) {
      List<Float> f = new ArrayList<>(inputSize);
      for (int j = 0; j < inputSize; j++) {
        f.add((float) random.nextGaussian());
      }
      features.add(f);
      firstFeature[i] = f.getFirst();
    }
  }

  static String entityId(int entity) {
    return "e" + entity;
  }

  /** Sends one event for {@code entity}; labelled events carry target = 1 if their first feature is positive. */
  void send(String topic, int entity, String eventId, boolean labelled) {
    int pick = random.nextInt(POOL);
    long now = System.currentTimeMillis();
    String id = entityId(entity);
    Event e = builder.setEntityId(id).setEventId(eventId).setEventTime(Instant.ofEpochMilli(now))
        .setFeatures(features.get(pick)).setTarget(labelled ? (firstFeature[pick] > 0 ? 1f : 0f) : null)
        .setTargetVector(null).build();
    producer.send(new ProducerRecord<>(topic, null, now, id.getBytes(StandardCharsets.UTF_8), serde.encode(topic, e)));
  }

  SplittableRandom random() {
    return random;
  }

  void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
