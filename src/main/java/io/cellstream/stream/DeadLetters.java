package io.cellstream.stream;

import io.cellstream.avro.DeadLetter;
import io.cellstream.serde.AvroSerde;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an unusable input record to the dead-letter topic with its reason and original bytes, counts it and
 * logs it at a low rate (at most one line per reason every 10 seconds per task).
 */
final class DeadLetters {

  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
  /** Original bytes kept in a dead letter: enough to diagnose, small enough to fit any broker's limit. */
  static final int MAX_ORIGINAL_BYTES = 64 * 1024;

  private final AvroSerde<DeadLetter> serde;
  private final String topic;
  private final String sinkName;
  private final StreamMetrics metrics;
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, DeadLetterReason.values().length);

  DeadLetters(AvroSerde<DeadLetter> serde, String topic, String sinkName, StreamMetrics metrics) {
    this.serde = serde;
    this.topic = topic;
    this.sinkName = sinkName;
    this.metrics = metrics;
  }

  void send(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, DeadLetterReason reason,
      String message, Throwable error) {
    RecordMetadata md = context.recordMetadata().orElse(null);
    String sourceTopic = md == null ? "?" : md.topic();
    int partition = md == null ? -1 : md.partition();
    long offset = md == null ? -1 : md.offset();
    String text = message;
    byte[] value = record.value();
    if (value != null && value.length > MAX_ORIGINAL_BYTES) {
      text = message + " (original value truncated to " + MAX_ORIGINAL_BYTES + " of " + value.length + " bytes)";
      value = Arrays.copyOf(value, MAX_ORIGINAL_BYTES);
    }
    byte[] key = record.key();
    if (key != null && key.length > MAX_ORIGINAL_BYTES) {
      key = Arrays.copyOf(key, MAX_ORIGINAL_BYTES);
    }
    DeadLetter dl = DeadLetter.newBuilder()
        .setSourceTopic(sourceTopic)
        .setPartition(partition)
        .setOffset(offset)
        .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
        .setReason(reason.id())
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setMessage(text)
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setFailedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
        .build();
    context.forward(new Record<>(record.key(), serde.encode(topic, dl), record.timestamp(), record.headers()), sinkName);
    metrics.deadLetter(reason);
    warnings.warn(reason.ordinal(), "dead letter (" + reason.id() + "): " + text + " at " + sourceTopic + "-" + partition + "@" + offset);
  }
}
