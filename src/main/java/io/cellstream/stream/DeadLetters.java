package io.cellstream.stream;

import io.cellstream.avro.DeadLetter;
import io.cellstream.input.DeadLetterReason;
import io.cellstream.input.InputLimits;
import io.cellstream.input.Rejection;
import io.cellstream.serde.AvroSerde;
import io.cellstream.state.HeldLabel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an unusable input record to the dead-letter topic with its reason and its original bytes, counts it and
 * logs it at a low rate (at most one line per reason every 10 seconds per task).
 *
 * <p>A dead letter never exceeds what the producer and the dead-letter topic accept ({@link
 * RecordLimits#deadLetterRecordBytes()}, read from the cluster): the original key and value are kept whole when
 * they fit, which with Kafka's defaults is any record an input topic accepted below
 * {@code cellstream.input.max-record-bytes}. When they do not, each keeps its first bytes (half of the room each,
 * or more for one when the other is short), with its original length and the SHA-256 of the whole in
 * {@code keySize}/{@code keySha256}, {@code valueSize}/{@code valueSha256}; the message says so. The dead letter's
 * record key is the original key, cut to {@code cellstream.input.max-entity-id-bytes} if longer; the original
 * headers travel along unless they alone would not fit (then the message says how many bytes were dropped).
 */
final class DeadLetters {

  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
  /** A message is ours (ids in it are quoted short already); this keeps it small whatever it quotes. */
  static final int MAX_MESSAGE_CHARS = 2_000;
  /** Room kept for the size and hash fields and the varint lengths when key and value are cut to fit. */
  private static final int TRUNCATION_FIELDS_BYTES = 256;

  private final AvroSerde<DeadLetter> serde;
  private final String topic;
  private final String sinkName;
  private final StreamMetrics metrics;
  private final InputLimits input;
  private final Supplier<RecordLimits> limits;
  private final RegistryRetry registry;
  private final RateLimitedLog warnings = new RateLimitedLog(log, 10_000, DeadLetterReason.values().length);

  DeadLetters(AvroSerde<DeadLetter> serde, String topic, String sinkName, StreamMetrics metrics, InputLimits input,
      Supplier<RecordLimits> limits, RegistryRetry registry) {
    this.serde = serde;
    this.topic = topic;
    this.sinkName = sinkName;
    this.metrics = metrics;
    this.input = input;
    this.limits = limits;
    this.registry = registry;
  }

  /** Dead-letters the record being processed. */
  void send(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, DeadLetterReason reason,
      String message, Throwable error) {
    send(context, record, reason, null, message, error == null ? null : error.getClass().getName());
  }

  /** Dead-letters the record being processed for why the input layer refused it (naming the field, if one). */
  void send(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, Rejection rejected) {
    send(context, record, rejected.reason(), rejected.field(), rejected.message(), rejected.errorClass());
  }

  private void send(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, DeadLetterReason reason,
      String field, String message, String errorClass) {
    RecordMetadata md = context.recordMetadata().orElse(null);
    send(context, md == null ? "?" : md.topic(), md == null ? -1 : md.partition(), md == null ? -1 : md.offset(),
        record.timestamp(), record.key(), record.value(), record.headers(), reason, field, message, errorClass);
  }

  /**
   * Dead-letters a label the entity had held for its event, from where it came ({@link LabelOrigin}): also from a
   * punctuation, where there is no record being processed.
   */
  void sendHeld(ProcessorContext<byte[], byte[]> context, String labelsTopic, byte[] entityIdUtf8, HeldLabel label,
      DeadLetterReason reason, String message) {
    LabelOrigin o = LabelOrigin.decode(label.origin());
    send(context, labelsTopic, o.partition(), o.offset(), o.timestamp(), entityIdUtf8, o.value(), new RecordHeaders(),
        reason, null, message, null);
  }

  private void send(ProcessorContext<byte[], byte[]> context, String sourceTopic, int partition, long offset,
      long timestamp, byte[] key, byte[] value, Headers headers, DeadLetterReason reason, String field, String message,
      String errorClass) {
    String text = message.length() <= MAX_MESSAGE_CHARS ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " characters)";
    byte[] recordKey = key == null || key.length <= input.maxEntityIdBytes() ? key
        : Arrays.copyOf(key, input.maxEntityIdBytes());
    int budget = limits.get().deadLetterRecordBytes();
    int headerBytes = 0;
    for (Header h : headers) {
      headerBytes += RecordLimits.headerSize(h);
    }
    if (headerBytes > budget / 4) {
      text = text + " (the original headers, " + headerBytes + " bytes, were dropped to fit the dead-letter topic)";
      headers = new RecordHeaders();
    }
    DeadLetter dl = DeadLetter.newBuilder()
        .setSourceTopic(sourceTopic)
        .setPartition(partition)
        .setOffset(offset)
        .setTimestamp(Instant.ofEpochMilli(timestamp))
        .setReason(reason.id())
        .setErrorClass(errorClass)
        .setMessage(text)
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setFailedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
        .setField(field)
        .build();
    byte[] bytes = encode(dl);
    int size = RecordLimits.recordSize(recordKey, bytes, headers);
    if (size > budget) {
      bytes = cutToFit(dl, key, value, text, budget, size, recordKey, headers);
    }
    context.forward(new Record<>(recordKey, bytes, timestamp, headers), sinkName);
    metrics.deadLetter(reason);
    warnings.warn(reason.ordinal(), "dead letter (" + reason.id() + "): " + text + " at " + sourceTopic + "-" + partition
        + "@" + offset);
  }

  /**
   * Cuts the key and the value to what fits in {@code budget} beside everything else, and records their original
   * sizes and hashes. {@code size} is the record's size with both whole.
   */
  private byte[] cutToFit(DeadLetter dl, byte[] key, byte[] value, String text, int budget, int size, byte[] recordKey,
      Headers headers) {
    int keyLength = key == null ? 0 : key.length;
    int valueLength = value == null ? 0 : value.length;
    int room = budget - (size - keyLength - valueLength) - TRUNCATION_FIELDS_BYTES;
    while (true) {
      int room0 = Math.max(0, room);
      int keep = Math.min(keyLength, Math.max(room0 / 2, room0 - valueLength));
      int keepValue = Math.min(valueLength, room0 - keep);
      StringBuilder note = new StringBuilder(text);
      if (key != null && keep < keyLength) {
        dl.setKey(ByteBuffer.wrap(key, 0, keep).slice());
        dl.setKeySize(keyLength);
        dl.setKeySha256(sha256(key));
        note.append(" (key cut to its first ").append(keep).append(" of ").append(keyLength).append(" bytes)");
      }
      if (value != null && keepValue < valueLength) {
        dl.setValue(ByteBuffer.wrap(value, 0, keepValue).slice());
        dl.setValueSize(valueLength);
        dl.setValueSha256(sha256(value));
        note.append(" (value cut to its first ").append(keepValue).append(" of ").append(valueLength)
            .append(" bytes to fit the dead-letter topic; valueSize and valueSha256 describe the whole)");
      }
      dl.setMessage(note.toString());
      byte[] bytes = encode(dl);
      int now = RecordLimits.recordSize(recordKey, bytes, headers);
      if (now <= budget || room0 == 0) {
        return bytes;
      }
      room -= now - budget; // our estimate of the other fields was short: take the excess off and go again
    }
  }

  private byte[] encode(DeadLetter dl) {
    return registry.call("register the dead-letter schema", () -> serde.encode(topic, dl));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Where a held label came from and its original bytes, kept with it in the entity's state (opaque there), so
   * that a label given up later is dead-lettered as if at once. Little-endian: int partition, long offset, long
   * timestamp, then the value's bytes.
   */
  record LabelOrigin(int partition, long offset, long timestamp, byte[] value) {

    byte[] encode() {
      return ByteBuffer.allocate(20 + value.length).order(ByteOrder.LITTLE_ENDIAN).putInt(partition).putLong(offset)
          .putLong(timestamp).put(value).array();
    }

    static LabelOrigin decode(byte[] bytes) {
      if (bytes.length < 20) {
        return new LabelOrigin(-1, -1, 0, bytes);
      }
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      return new LabelOrigin(b.getInt(), b.getLong(), b.getLong(), Arrays.copyOfRange(bytes, 20, bytes.length));
    }
  }
}
