package io.cellstream.bench.stream;

import io.cellstream.avro.Prediction;
import io.cellstream.serde.AvroSerde;
import io.cellstream.serde.SerdeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Event → prediction latency at a fixed offered load. A paced producer sends event i when the {@link Pacer}
 * says it is due (event id {@code L<i>}; the due time, not the actual one, is the start, so a producer
 * that falls behind does not hide the delay); a read_committed consumer in this JVM reads the predictions and
 * takes, for each, the time its poll() returned it minus the scheduled send time. Both clocks are this JVM's
 * System.nanoTime().
 *
 * <p>The interval therefore holds: the producer's send (linger.ms=5, Kafka's default; acks=all), the broker append, the stream
 * thread's fetch, decode, state, LSTM step and prediction send, the wait for the transaction commit
 * (commit.interval.ms under exactly_once_v2), the commit, and the consumer's fetch of the committed record.
 */
final class LatencyProbe {

  /** Latencies in milliseconds of the events sent after the warm-up. */
  record Result(double offeredPerSecond, double seconds, long measured, long missing, double p50Ms, double p99Ms,
      double p999Ms, double maxMs, double meanMs, double toStepP50Ms, double toStepP99Ms) {}

  private LatencyProbe() {}

  static Result run(EventWriter writer, String eventsTopic, Map<String, Object> client, String predictionsTopic,
      AvroSerde<Prediction> predictions, int entities, double rate, double seconds, double warmupSeconds,
      boolean labelled, Duration drainTimeout) throws InterruptedException {
    int count = Pacer.count(rate, seconds);
    int warm = (int) Math.min(count - 1, Math.round(rate * warmupSeconds));
    long[] sent = new long[count];
    long[] latency = new long[count];
    long[] sentWall = new long[count];    // ms, wall clock, to compare with the prediction's predictionTime
    long[] toStep = new long[count];      // predictionTime - sentWall (ms): the part before the step ran
    Arrays.fill(latency, -1);
    AtomicLong received = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean positioned = new AtomicBoolean();
    Throwable[] readerFailure = new Throwable[1];

    Thread reader = new Thread(() -> {
      Map<String, Object> c = new HashMap<>(client);
      c.remove("schema.registry.url");
      c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      c.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-stream-latency-reader");
      c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
          new ByteArrayDeserializer())) {
        List<TopicPartition> tps = new ArrayList<>();
        consumer.partitionsFor(predictionsTopic).forEach(p -> tps.add(new TopicPartition(predictionsTopic, p.partition())));
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        tps.forEach(consumer::position);
        positioned.set(true);
        while (!stop.get()) {
          var records = consumer.poll(Duration.ofMillis(20));
          long now = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            Prediction p;
            try {
              p = predictions.decode(predictionsTopic, r.value());
            } catch (SerdeException e) {
              throw new IllegalStateException(e);
            }
            String id = p.getEventId();
            if (id.startsWith("L")) {
              int i = Integer.parseInt(id, 1, id.length(), 10);
              if (i < count && latency[i] < 0) {
                latency[i] = now - sent[i];
                toStep[i] = p.getPredictionTime().toEpochMilli() - sentWall[i];
                received.incrementAndGet();
              }
            }
          }
        }
      } catch (Throwable t) {
        readerFailure[0] = t;
      }
    }, "bench-latency-reader");
    reader.setDaemon(true);
    reader.start();
    while (!positioned.get() && reader.isAlive()) {
      Thread.sleep(5);
    }

    var random = writer.random();
    Pacer pacer = new Pacer(rate, 5_000_000);
    for (int i = 0; i < count; i++) {
      long due = pacer.awaitDue(i);
      sent[i] = due;
      sentWall[i] = System.currentTimeMillis() - (System.nanoTime() - due) / 1_000_000;
      writer.send(eventsTopic, random.nextInt(entities), "L" + i, labelled);
    }
    writer.flush();
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (received.get() < count && System.nanoTime() < deadline && reader.isAlive()) {
      Thread.sleep(10);
    }
    stop.set(true);
    reader.join(10_000);
    if (readerFailure[0] != null) {
      throw new IllegalStateException("the latency reader failed", readerFailure[0]);
    }
    long[] measured = new long[count - warm];
    long[] steps = new long[count - warm];
    int n = 0;
    long missing = 0;
    for (int i = warm; i < count; i++) {
      if (latency[i] >= 0) {
        steps[n] = toStep[i] * 1_000_000;
        measured[n++] = latency[i];
      } else {
        missing++;
      }
    }
    long[] l = Arrays.copyOf(measured, n);
    Arrays.sort(l);
    long[] st = Arrays.copyOf(steps, n);
    Arrays.sort(st);
    double mean = n == 0 ? Double.NaN : Arrays.stream(l).average().orElse(Double.NaN) / 1e6;
    return new Result(rate, seconds, n, missing, pct(l, 0.50), pct(l, 0.99), pct(l, 0.999),
        n == 0 ? Double.NaN : l[n - 1] / 1e6, mean, pct(st, 0.50), pct(st, 0.99));
  }

  /** The q-quantile (nearest rank) in milliseconds. */
  static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
  }
}
